"""knowledge/editing/drafts.py called directly: creating, saving against a base version, aliases."""
from __future__ import annotations

import copy

import pytest

from knowledge.editing import drafts
from knowledge.editing.refusals import Conflict, NotFound, Unusable, VersionConflict
from knowledge.editing.validation import GuideInvalid
from knowledge.store import audit
from tests.knowledge.guide_samples import new_item, new_route, unique_id


def test_a_created_guide_is_version_1_a_draft_and_audited(service, session):
    gid = unique_id("street-stall")
    row = drafts.create(session, service.state.catalogue, "editor3", "item", new_item(gid, "临时占道摆摊许可"), "新事项")
    assert (row.version, row.status, row.author, row.comment) == (1, "draft", "editor3", "新事项")
    assert row.data["id"] == gid and row.data["status"] == "draft"
    assert gid not in service.state.catalogue.items  # a draft is not live
    [entry] = audit.recent(session, gid)
    assert (entry.action, entry.username, entry.version, entry.detail) == ("create", "editor3", 1, "新建事项「临时占道摆摊许可」")


def test_an_id_in_use_is_refused(service, session):
    with pytest.raises(Conflict, match="passport"):
        drafts.create(session, service.state.catalogue, "editor3", "item", new_item("passport", "另一个护照事项"))


def test_a_save_on_the_newest_version_adds_the_next(service, session):
    gid = unique_id("night-market")
    data = new_item(gid, "夜市经营备案")
    drafts.create(session, service.state.catalogue, "editor3", "item", data)
    data["summary"] = "改过的简介。"
    row = drafts.save(session, service.state.catalogue, "reviewer3", gid, 1, data)
    assert row.version == 2 and row.data["summary"] == "改过的简介。" and row.author == "reviewer3"
    assert audit.recent(session, gid, limit=1)[0].detail == "保存草稿"


def test_a_stale_save_stores_nothing_and_carries_both_versions_and_their_diff(service, session):
    gid = unique_id("lantern-fair")
    base = new_item(gid, "灯会活动安全许可")
    drafts.create(session, service.state.catalogue, "editor3", "item", base)
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    theirs["summary"] = "审核员先改的简介。"
    mine["summary"] = "编辑后改的简介。"
    drafts.save(session, service.state.catalogue, "reviewer3", gid, 1, theirs)

    with pytest.raises(VersionConflict) as caught:
        drafts.save(session, service.state.catalogue, "editor3", gid, 1, mine)
    exc = caught.value
    assert exc.theirs.version == 2 and exc.theirs.data["summary"] == "审核员先改的简介。"
    assert exc.author_name  # the display name of reviewer3's account
    assert exc.yours == {"base_version": 1, "data": mine}
    assert exc.diff["changes"] == [{"field": "summary", "before": "审核员先改的简介。", "after": "编辑后改的简介。"}]
    assert "-summary: 审核员先改的简介。" in exc.diff["unified"] and "+summary: 编辑后改的简介。" in exc.diff["unified"]
    assert [v.version for v in drafts.store.versions(session, gid)] == [2, 1]


def test_a_conflict_with_a_copy_that_is_not_a_guide_yet_still_has_a_diff(service, session):
    gid = unique_id("boat-race")
    base = new_item(gid, "龙舟赛活动备案")
    drafts.create(session, service.state.catalogue, "editor3", "item", base)
    drafts.save(session, service.state.catalogue, "reviewer3", gid, 1, {**base, "summary": "新简介。"})
    broken = {**base, "time_limit": {"statutory_days": "二十"}}
    with pytest.raises(VersionConflict) as caught:
        drafts.save(session, service.state.catalogue, "editor3", gid, 1, broken)
    diff = caught.value.diff
    assert {c["field"] for c in diff["changes"]} >= {"summary", "time_limit.statutory_days"}
    assert "+  statutory_days: 二十" in diff["unified"]


def test_an_invalid_guide_is_refused_with_its_field_and_the_last_version_stays(service, session):
    gid = unique_id("kite-show")
    data = new_item(gid, "风筝表演活动许可")
    drafts.create(session, service.state.catalogue, "editor3", "item", data)
    with pytest.raises(GuideInvalid) as caught:
        drafts.save(session, service.state.catalogue, "editor3", gid, 1, {**data, "audience": ["外星人"]})
    assert [e.field for e in caught.value.errors] == ["audience.0"]
    assert drafts.store.get_guide(session, gid).latest_version == 1


def test_a_draft_route_may_name_a_draft_item(service, session):
    item, route = unique_id("pop-up-shop"), unique_id("open-pop-up")
    drafts.create(session, service.state.catalogue, "editor3", "item", new_item(item, "快闪店临时经营备案"))
    steps = [{"id": "record", "item": item}]
    row = drafts.create(session, service.state.catalogue, "editor3", "route", new_route(route, "开快闪店", steps))
    assert row.data["steps"][0]["item"] == item


def test_aliases(service, session):
    gid = unique_id("dog-walk")
    drafts.create(session, service.state.catalogue, "editor3", "item", new_item(gid, "遛狗许可", ["遛狗证"]))
    row = drafts.add_alias(session, service.state.catalogue, "editor3", gid, "  办遛狗证 ")
    assert row.version == 2 and row.data["aliases"] == ["遛狗证", "办遛狗证"] and row.comment == "添加别名「办遛狗证」"
    assert audit.recent(session, gid, limit=1)[0].action == "alias"
    for taken in ("遛狗证", "遛狗许可"):
        with pytest.raises(Conflict, match="已是这份指南的名称或别名"):
            drafts.add_alias(session, service.state.catalogue, "editor3", gid, taken)
    with pytest.raises(Unusable, match="别名不能为空"):
        drafts.add_alias(session, service.state.catalogue, "editor3", gid, "   ")
    with pytest.raises(NotFound, match="没有找到指南「no-such-guide」"):
        drafts.add_alias(session, service.state.catalogue, "editor3", "no-such-guide", "别名")


def test_a_guide_too_long_is_refused_before_it_is_checked(service, session):
    gid = unique_id("huge")
    data = new_item(gid, "超长指南", summary="长" * (drafts.MAX_DATA_CHARS + 1))
    with pytest.raises(GuideInvalid) as caught:
        drafts.create(session, service.state.catalogue, "editor3", "item", data)
    assert caught.value.errors[0].field == "" and "太长" in caught.value.errors[0].msg
