"""knowledge/editing/going_live.py called directly: publish, rollback and withdraw change what the
live knowledge (catalogue and index) serves, or refuse and change nothing."""
from __future__ import annotations

import pytest

from knowledge.editing import drafts, going_live
from knowledge.editing.refusals import Conflict, NotFound
from knowledge.editing.validation import GuideInvalid
from knowledge.publishing import PublishError
from knowledge.store import audit
from knowledge.store import guides as store
from tests.knowledge.guide_samples import new_item, new_route, unique_id
from tests.stack import broken_vector_cache


def top_hit(service, query: str) -> str | None:
    hits = service.state.live.engine.search(query, k=3).hits
    return hits[0].doc.guide_id if hits else None


def draft(service, session, gid: str, name: str, **overrides) -> dict:
    data = new_item(gid, name, **overrides)
    drafts.create(session, service.state.catalogue, "editor3", "item", data)
    return data


def test_publishing_makes_the_draft_live_and_searchable(service, session):
    gid = unique_id("balloon")
    name = "升放系留气球活动审批"
    draft(service, session, gid, name)
    assert top_hit(service, name) != gid
    done = going_live.publish(session, service.state.publisher, "reviewer3", gid, 1)
    assert done.published_version == 1 and done.indexed_ms > 0
    assert service.state.live.catalogue.items[gid].name == name
    assert top_hit(service, name) == gid
    assert store.get_guide(session, gid).published_version == 1
    assert audit.recent(session, gid, limit=1)[0].detail == "发布版本 1"
    with pytest.raises(Conflict, match="版本 1 已是线上版本"):
        going_live.publish(session, service.state.publisher, "reviewer3", gid, 1)
    with pytest.raises(NotFound, match="没有版本 9"):
        going_live.publish(session, service.state.publisher, "reviewer3", gid, 9)


def test_rollback_publishes_old_content_as_a_new_version_and_withdraw_takes_it_off(service, session):
    gid = unique_id("ice-rink")
    data = draft(service, session, gid, "临时冰场开放备案")
    going_live.publish(session, service.state.publisher, "reviewer3", gid, 1)
    drafts.save(session, service.state.catalogue, "editor3", gid, 1, {**data, "name": "室外冰场开放备案"})
    going_live.publish(session, service.state.publisher, "reviewer3", gid, 2)
    assert service.state.live.catalogue.items[gid].name == "室外冰场开放备案"
    with pytest.raises(Conflict, match="曾经发布过"):
        going_live.publish(session, service.state.publisher, "reviewer3", gid, 1)

    done = going_live.rollback(session, service.state.publisher, "reviewer3", gid, 1)
    assert done.published_version == 3
    assert service.state.live.catalogue.items[gid].name == "临时冰场开放备案"
    assert [(v.version, v.status) for v in store.versions(session, gid)] == [(3, "published"), (2, "superseded"),
                                                                             (1, "superseded")]
    with pytest.raises(Conflict, match="无需回滚"):
        going_live.rollback(session, service.state.publisher, "reviewer3", gid, 3)

    gone = going_live.withdraw(session, service.state.publisher, "reviewer3", gid)
    assert gone.published_version is None
    assert gid not in service.state.live.catalogue.items and top_hit(service, "临时冰场开放备案") != gid
    with pytest.raises(Conflict, match="该指南当前未上线"):
        going_live.withdraw(session, service.state.publisher, "reviewer3", gid)
    assert [e.action for e in audit.recent(session, gid, limit=3)] == ["withdraw", "rollback", "publish"]


def test_a_route_needs_live_items_and_keeps_them_live(service, session):
    item, route = unique_id("apiary"), unique_id("open-apiary")
    draft(service, session, item, "蜂场设立备案")
    drafts.create(session, service.state.catalogue, "editor3", "route",
                  new_route(route, "开办养蜂场", [{"id": "apiary", "item": item}]))
    with pytest.raises(GuideInvalid) as caught:
        going_live.publish(session, service.state.publisher, "reviewer3", route, 1)
    assert [(e.field, e.msg) for e in caught.value.errors] == [
        ("steps.0.item", f"步骤「apiary」引用的事项「{item}」不存在")]

    going_live.publish(session, service.state.publisher, "reviewer3", item, 1)
    going_live.publish(session, service.state.publisher, "reviewer3", route, 1)
    with pytest.raises(Conflict, match=f"^这样改会使其他线上指南出错，请先修改它们：{route}："):
        going_live.withdraw(session, service.state.publisher, "reviewer3", item)
    assert item in service.state.live.catalogue.items


def test_a_failing_index_update_commits_nothing_and_swaps_nothing(service, session):
    gid = unique_id("hot-spring")
    draft(service, session, gid, "温泉取水许可", summary=f"温泉取水（{gid}）。")
    before = service.state.live.catalogue
    with broken_vector_cache(service.workdir), pytest.raises(PublishError) as caught:
        going_live.publish(session, service.state.publisher, "reviewer3", gid, 1)
    assert caught.value.stage == "index"
    assert service.state.live.catalogue is before and gid not in before.items
    assert store.get_guide(session, gid).published_version is None
    assert audit.recent(session, gid, limit=1)[0].action == "create"
