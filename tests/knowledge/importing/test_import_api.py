"""/api/imports in process (FastAPI TestClient) on the real app: real index, real embedding model,
a temporary SQLite database. Upload → background job → review → publish → searchable."""
from __future__ import annotations

import io
import time

import openpyxl
import pytest
from fastapi.testclient import TestClient

from knowledge.api.main import create_app
from knowledge.core.config import Settings
from tests.knowledge.importing.import_documents import (guide, guide_docx, guide_html, implementation_list_xlsx,
                                              numbered)

PASSWORD = "导入-测试-口令-1"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("imports")
    settings = Settings(database_url=f"sqlite:///{tmp / 'db.sqlite'}", var_dir=tmp, admin_password=PASSWORD,
                        import_max_upload_mb=5)
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
        for username, role in (("editor2", "editor"),):
            resp = client.post("/api/users", json={"username": username, "password": "导入编辑的口令-甲-1",
                                                   "role": role})
            assert resp.status_code == 201, resp.text
        yield app, client


def _wait(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/imports/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running", "storing", "publishing"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"import job {job_id} did not finish: {job}")


def _upload(client, files: list[tuple[str, bytes]]) -> dict:
    resp = client.post("/api/imports", files=[("files", f) for f in files])
    assert resp.status_code == 202, resp.text
    return _wait(client, resp.json()["id"])


def _code_of(client, guide_id: str) -> str:
    return client.get(f"/api/items/{guide_id}").json()["code"]


def test_upload_review_publish_and_search(app):
    _, client = app
    birth_code = _code_of(client, "birth-hukou-registration")
    job = _upload(client, [
        ("清单.xlsx", implementation_list_xlsx([guide(name="导入测试烟花燃放许可", code="T-API-1"), numbered(901),
                                              numbered(901)], materials="sheet")),
        ("出生.docx", guide_docx(guide(name="出生户口登记（新生儿落户）", code=birth_code))),
        ("page.html", guide_html(guide(name="导入测试网页事项", code="T-API-2")).encode()),
    ])
    assert job["status"] == "done" and job["progress"] == 1.0 and job["drafts"] == 5
    files = {f["file"]: f for f in job["report"]["files"]}
    assert files["清单.xlsx"]["drafts"] == 3 and len(files["清单.xlsx"]["duplicates"]) == 1
    drafts = client.get(f"/api/imports/jobs/{job['id']}/drafts").json()
    by_title = {}
    for d in drafts:
        by_title.setdefault(d["title"], []).append(d)
    assert by_title["示例事项0901号备案"][1]["duplicate_of"]

    # The Word guide matches the sample guide by its 事项编码: an update shown as a diff, not a new guide.
    birth = by_title["出生户口登记（新生儿落户）"][0]
    assert birth["match_id"] == "birth-hukou-registration" and birth["match_by"] == "code"
    detail = client.get(f"/api/imports/drafts/{birth['id']}").json()
    changes = {c["field"]: c for c in detail["changes"]}
    assert changes["department"]["before"] == client.get("/api/items/birth-hukou-registration").json()["department"]
    assert changes["department"]["after"] == "示例市市场监督管理局"
    assert "faq" not in changes  # what the document does not say is kept
    assert detail["recognised"] and detail["notes"]

    # Publishing takes the clean ones only; nothing live changes for the others.
    before = client.get("/api/items/birth-hukou-registration").json()
    resp = client.post(f"/api/imports/jobs/{job['id']}/publish", json={})
    assert resp.status_code == 202, resp.text
    assert resp.json()["status"] == "publishing"  # in the background: thousands of guides take minutes
    job = _wait(client, job["id"])
    out = job["report"]["taken"]
    assert job["status"] == "done" and out["error"] is None and job["message"].startswith("已发布")
    assert set(out["published"]) >= {d["guide_id"] for d in by_title["导入测试烟花燃放许可"]}
    skipped = {s["title"]: s["msg"] for s in out["skipped"]}
    assert "重复" in skipped["示例事项0901号备案"]
    new_id = by_title["导入测试烟花燃放许可"][0]["guide_id"]
    item = client.get(f"/api/items/{new_id}").json()
    assert item["name"] == "导入测试烟花燃放许可" and len(item["materials"]) == 4
    hits = client.get("/api/search", params={"q": "导入测试烟花燃放许可"}).json()["results"]
    assert hits[0]["id"] == new_id
    if "birth-hukou-registration" not in out["published"]:
        assert client.get("/api/items/birth-hukou-registration").json() == before
    audit = client.get("/api/editor/audit", params={"guide_id": new_id}).json()
    assert {a["action"] for a in audit} >= {"import", "publish"}


def test_an_editor_corrects_a_draft_then_stores_it_as_a_guide_draft(app):
    _, client = app
    job = _upload(client, [("缺字段.html", guide_html(guide(name="导入测试缺类型事项", code="T-API-3", type="审核转报"))
                             .encode())])
    [d] = client.get(f"/api/imports/jobs/{job['id']}/drafts").json()
    assert d["errors"][0]["field"] == "type" and "审核转报" in d["errors"][0]["msg"]
    detail = client.get(f"/api/imports/drafts/{d['id']}").json()
    fixed = client.put(f"/api/imports/drafts/{d['id']}", json={"data": {**detail["data"], "type": "其他行政权力"}})
    assert fixed.status_code == 200 and fixed.json()["errors"] == []
    assert client.post(f"/api/imports/jobs/{job['id']}/store", json={}).status_code == 202
    stored = _wait(client, job["id"])["report"]["taken"]
    assert stored["stored"] == [d["guide_id"]] and stored["published"] == []
    again = client.post(f"/api/imports/jobs/{job['id']}/store", json={})
    assert again.status_code == 409 and "没有可以发布的草稿" in again.json()["detail"]
    guide_detail = client.get(f"/api/editor/guides/{d['guide_id']}").json()
    assert guide_detail["published_version"] is None and guide_detail["draft"]["data"]["type"] == "其他行政权力"
    assert client.get(f"/api/items/{d['guide_id']}").status_code == 404  # not live without a publish


def test_unknown_columns_are_mapped_once_and_the_job_runs_again(app):
    _, client = app
    data = implementation_list_xlsx([guide(name="导入测试映射事项", code="T-API-4")], extra_header="事项概要（本中心）")
    job = _upload(client, [("映射.xlsx", data)])
    assert job["report"]["files"][0]["unknown_headers"] == ["事项概要（本中心）"]
    assert client.put("/api/imports/headers", json={"mapping": {"事项概要（本中心）": "summary"}}).status_code == 200
    resp = client.post(f"/api/imports/jobs/{job['id']}/rerun")
    assert resp.status_code == 202
    job = _wait(client, job["id"])
    assert job["report"]["files"][0]["unknown_headers"] == []
    [d] = client.get(f"/api/imports/jobs/{job['id']}/drafts").json()
    assert client.get(f"/api/imports/drafts/{d['id']}").json()["data"]["summary"] == "事项概要（本中心）的值1"
    # Later uploads use the mapping too.
    job2 = _upload(client, [("映射2.xlsx", data)])
    assert job2["report"]["files"][0]["unknown_headers"] == []


def test_a_long_import_can_be_cancelled_and_keeps_what_it_made(app):
    _, client = app
    data = implementation_list_xlsx([numbered(n) for n in range(1000, 2500)], materials="cell", blank_rows=False)
    resp = client.post("/api/imports", files=[("files", ("大清单.xlsx", data))])
    job_id = resp.json()["id"]
    assert client.post(f"/api/imports/jobs/{job_id}/cancel").status_code == 200
    job = _wait(client, job_id)
    assert job["status"] == "cancelled" and job["drafts"] < 1500
    assert len(client.get(f"/api/imports/jobs/{job_id}/drafts").json()) == job["drafts"]
    assert job_id in [j["id"] for j in client.get("/api/imports").json()]  # found again after a page reload
    assert client.post(f"/api/imports/jobs/{job_id}/cancel").status_code == 409


def test_report_and_template_downloads(app):
    _, client = app
    job = _upload(client, [("好.html", guide_html(guide(name="导入测试报告事项", code="T-API-5")).encode()),
                           ("坏.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)])
    resp = client.get(f"/api/imports/jobs/{job['id']}/report.xlsx")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    rows = {r[0]: r for r in wb["按文件"].iter_rows(min_row=2, values_only=True)}
    assert rows["好.html"][4] == 1 and rows["坏.docx"][2] == "未导入" and "损坏" in rows["坏.docx"][8]
    template = client.get("/api/imports/template.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    assert wb.sheetnames[:2] == ["实施清单", "申请材料"]
    # The template imports as it is.
    job = _upload(client, [("模板.xlsx", template.content)])
    [d] = client.get(f"/api/imports/jobs/{job['id']}/drafts").json()
    detail = client.get(f"/api/imports/drafts/{d['id']}").json()
    assert detail["data"]["name"] == "示例事项（示例）" and len(detail["data"]["materials"]) == 3
    assert detail["errors"] == []


def test_upload_limits_and_rights(app):
    _, client = app
    resp = client.post("/api/imports", files=[("files", ("大.csv", b"0" * (6 * 1024 * 1024)))])
    assert resp.status_code == 413 and "太大" in resp.json()["detail"]
    empty = client.post("/api/imports", files=[])
    assert empty.status_code == 400 and empty.json()["detail"] == "请选择要导入的文件（字段 files）"
    other = TestClient(app[0])  # a second browser on the same running app (no second start-up)
    assert other.post("/api/auth/login", json={"username": "editor2", "password": "导入编辑的口令-甲-1"}).status_code == 200
    job = client.get("/api/imports").json()[0]
    assert other.post(f"/api/imports/jobs/{job['id']}/publish", json={}).status_code == 403


def test_a_conflict_with_the_live_guides_is_shown_on_the_draft_before_publishing(app):
    _, client = app
    live = client.get("/api/items/birth-hukou-registration").json()
    # The same department on another floor of the same centre: the catalogue's one-floor rule.
    other_floor = "四楼" if "四楼" not in live["place"]["address"] else "五楼"
    page = guide_html(guide(name="导入测试楼层冲突事项", code="T-API-6", department=live["department"],
                            address=f"示例市政务服务中心{other_floor} 测试窗口（示例地址）"))
    job = _upload(client, [("楼层.html", page.encode())])
    [d] = client.get(f"/api/imports/jobs/{job['id']}/drafts").json()
    assert d["errors"] and {e["name"] for e in d["errors"]} == {"与其他指南冲突"}
    # The floor rule is shown under the address to correct (an earlier test's guide may also share the phone).
    assert [e["field"] for e in d["errors"] if "同一部门应在同一楼层" in e["msg"]] == ["place.address"]
    assert "冲突" in job["message"]
    assert client.post(f"/api/imports/jobs/{job['id']}/publish", json={}).status_code == 409
