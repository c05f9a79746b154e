"""knowledge/editing/transfer.py called directly: export, and the all-or-nothing zip import."""
from __future__ import annotations


import pytest
import yaml

from knowledge.editing import archive, drafts, transfer
from knowledge.editing.refusals import Conflict, ImportRejected
from knowledge.schema import guide_adapter
from knowledge.store import audit
from knowledge.store import guides as store
from tests.knowledge.guide_samples import new_item, unique_id, zip_of



def as_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_the_export_of_the_live_guides_imports_back_unchanged(service, session):
    guides = transfer.guides_to_export(session, service.state.catalogue, "published")
    assert {g.id for g in guides} == {g.id for g in service.state.catalogue.all()}
    done = transfer.import_zip(session, service.state.publisher, "reviewer3", archive.export_zip(guides), "全部.zip")
    assert done.created == [] and done.published == []
    assert "open-restaurant" in done.unchanged and "passport" in done.unchanged
    assert audit.recent(session, limit=1)[0].detail.startswith("导入 全部.zip：新建 0，")


def test_the_newest_versions_export_includes_drafts(service, session):
    gid = unique_id("paddle-board")
    drafts.create(session, service.state.catalogue, "editor3", "item", new_item(gid, "桨板租赁经营备案"))
    latest = {g.id for g in transfer.guides_to_export(session, service.state.catalogue, "latest")}
    assert gid in latest and gid not in {g.id for g in transfer.guides_to_export(session, service.state.catalogue,
                                                                                 "published")}


def test_an_import_creates_updates_and_publishes_in_one_go(service, session):
    old, new = unique_id("canoe"), unique_id("yacht")
    data = new_item(old, "皮划艇租赁备案")
    drafts.create(session, service.state.catalogue, "editor3", "item", data)
    files = {f"items/{old}.yml": as_yaml({**data, "summary": "导入时改过的简介。"}),
             f"items/{new}.yml": as_yaml(new_item(new, "游艇泊位登记"))}
    done = transfer.import_zip(session, service.state.publisher, "reviewer3", zip_of(files), "两份.zip", publish=True)
    assert (done.created, done.updated, sorted(done.published)) == ([new], [old], sorted([old, new]))
    assert service.state.live.catalogue.items[old].summary == "导入时改过的简介。"
    assert service.state.live.catalogue.items[new].version == 1
    assert [(v.version, v.status, v.comment) for v in store.versions(session, old)] == [
        (2, "published", f"导入 items/{old}.yml"), (1, "draft", None)]


def test_one_wrong_file_imports_nothing(service, session):
    good, bad = unique_id("good"), unique_id("bad")
    files = {f"items/{good}.yml": as_yaml(new_item(good, "完全正确的事项")),
             f"items/{bad}.yml": as_yaml(new_item(bad, "时限有误的事项",
                                                  time_limit={"statutory_days": 10, "promised_days": 15}))}
    with pytest.raises(ImportRejected) as caught:
        transfer.import_zip(session, service.state.publisher, "reviewer3", zip_of(files), "坏.zip", publish=True)
    assert [(e["file"], e["field"]) for e in caught.value.errors] == [(f"items/{bad}.yml", "time_limit.promised_days")]
    assert store.get_guide(session, good) is None and store.get_guide(session, bad) is None


@pytest.mark.parametrize("content, message", [
    (b"this is not a zip", "上传的文件不是 zip 压缩包"),
    (zip_of({"README.md": "# nothing here"}), "压缩包里没有找到指南文件（items/、routes/、faq/、industries/ 下的 .yml 文件）"),
])
def test_something_else_than_a_guide_zip_is_refused(service, session, content, message):
    with pytest.raises(archive.ArchiveError) as caught:
        transfer.import_zip(session, service.state.publisher, "reviewer3", content, "x.zip")
    assert str(caught.value) == message


# ---- one imported guide: shared with the import of a centre's documents (importing/review.py) -------

def test_an_imported_guide_someone_created_meanwhile_is_refused(service, session):
    gid = unique_id("kayak")
    drafts.create(session, service.state.catalogue, "editor3", "item", new_item(gid, "独木舟租赁备案"))
    guide = guide_adapter.validate_python(new_item(gid, "独木舟租赁备案（导入）"))
    with pytest.raises(Conflict, match=f"^指南「{gid}」刚被其他人创建，请重新导入$"):
        transfer.write_imported(session, "reviewer3", guide, 1, "items/kayak.yml")
    with pytest.raises(Conflict, match=f"^指南「{gid}」刚被其他人修改，请重新导入$"):
        transfer.write_imported(session, "reviewer3", guide, 3, "items/kayak.yml")  # version 2 was expected
    session.rollback()
    assert [v.version for v in store.versions(session, gid)] == [1]


def test_an_imported_guide_is_versioned_audited_and_marked_live(service, session):
    gid = unique_id("raft")
    guide = guide_adapter.validate_python(new_item(gid, "竹筏漂流经营备案"))
    version, publication = transfer.write_imported(session, "reviewer3", guide, 1, "办事指南.docx 第 2 节",
                                                   publish=True)
    assert (version.version, version.status, version.comment) == (1, "published", "导入 办事指南.docx 第 2 节")
    assert publication is not None and store.get_guide(session, gid).published_version == 1
    assert [(a.action, a.detail) for a in reversed(audit.recent(session, guide_id=gid))] == [
        ("import", "从 办事指南.docx 第 2 节 导入"), ("publish", "导入后发布版本 1")]
    session.rollback()  # marked live without the index update Publisher.publish would make: never committed
