"""knowledge/editing/history.py and diff.py: a guide's record and what changed between versions."""
from __future__ import annotations

import pytest

from knowledge.editing import diff, drafts, history
from knowledge.editing.refusals import NotFound
from tests.knowledge.guide_samples import new_item, unique_id


def test_the_diff_defaults_to_live_against_newest_or_the_previous_version(service, session):
    gid = unique_id("kite")
    data = new_item(gid, "风筝节安全许可")
    drafts.create(session, service.state.catalogue, "editor3", "item", data)
    drafts.save(session, service.state.catalogue, "editor3", gid, 1, {**data, "aliases": ["放风筝"]})
    drafts.save(session, service.state.catalogue, "editor3", gid, 2, {**data, "aliases": ["放风筝", "风筝节"]})

    latest = history.version_diff(session, gid)
    assert (latest["from"], latest["to"]) == (2, 3)  # nothing live: the one before the newest
    assert latest["changes"] == [{"field": "aliases", "before": ["放风筝"], "after": ["放风筝", "风筝节"]}]
    assert f"--- {gid} 版本 2" in latest["unified"] and "+- 风筝节" in latest["unified"]
    chosen = history.version_diff(session, gid, 1, 2)
    assert chosen["changes"] == [{"field": "aliases", "before": [], "after": ["放风筝"]}]

    record = history.record(session, gid)
    assert record.row.latest_version == 3 and record.draft.version == 3 and record.published is None
    assert [v.version for v in history.versions(session, gid)] == [3, 2, 1]
    with pytest.raises(NotFound, match="没有版本 7"):
        history.version_diff(session, gid, 1, 7)
    with pytest.raises(NotFound, match="没有找到指南"):
        history.versions(session, "no-such-guide")


def test_between_fills_in_a_valid_copy_and_shows_an_invalid_one_as_it_stands(service):
    stored = service.state.catalogue.items["passport"].model_dump(mode="json")
    sparse = {k: v for k, v in stored.items() if v not in (None, [], {})}  # what a hand-written copy may omit
    assert diff.between(stored, {**sparse, "summary": "改过。"}, "a", "b")["changes"] == [
        {"field": "summary", "before": stored["summary"], "after": "改过。"}]
    broken = {**stored, "name": ""}
    out = diff.between(stored, broken, "a", "b")
    assert {"field": "name", "before": stored["name"], "after": ""} in out["changes"]
    assert f"-name: {stored['name']}" in out["unified"] and "+name: ''" in out["unified"]
