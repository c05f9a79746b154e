"""The editor API's thin routes in FastAPI's TestClient: roles, request parsing, and each refusal of the
workflow as its HTTP answer (knowledge/api/refusals.py)."""
from __future__ import annotations

import copy

import pytest

from knowledge.store import audit
from tests.knowledge.editing.test_transfer import as_yaml
from tests.knowledge.guide_samples import zip_of
from tests.knowledge.guide_samples import new_item, unique_id
from tests.stack import broken_vector_cache


def create(service, data: dict) -> dict:
    resp = service.client.post("/api/editor/guides", headers=service.as_("editor3"),
                               json={"kind": data["kind"], "data": data})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_a_stale_save_is_409_with_both_versions_and_the_servers_diff(service):
    gid = unique_id("lantern")
    base = new_item(gid, "灯会活动安全许可")
    create(service, base)
    theirs, mine = copy.deepcopy(base), copy.deepcopy(base)
    theirs["summary"], mine["summary"] = "审核员先改的简介。", "编辑后改的简介。"
    saved = service.client.put(f"/api/editor/guides/{gid}/draft", headers=service.as_("reviewer3"),
                               json={"base_version": 1, "data": theirs})
    assert saved.status_code == 200 and saved.json()["version"] == 2

    resp = service.client.put(f"/api/editor/guides/{gid}/draft", headers=service.as_("editor3"),
                              json={"base_version": 1, "data": mine})
    assert resp.status_code == 409
    body = resp.json()
    assert set(body) == {"detail", "yours", "theirs", "diff"}
    assert body["detail"].startswith("该指南已被 ") and body["detail"].endswith(" 修改，请比较后再保存")
    assert body["yours"] == {"base_version": 1, "data": mine}
    assert body["theirs"]["version"] == 2 and body["theirs"]["author"] == "reviewer3"
    assert body["theirs"]["data"]["summary"] == "审核员先改的简介。"
    assert body["diff"]["changes"] == [{"field": "summary", "before": "审核员先改的简介。", "after": "编辑后改的简介。"}]
    assert "+summary: 编辑后改的简介。" in body["diff"]["unified"]
    # The same shape as the diff of two stored versions.
    between = service.client.get(f"/api/editor/guides/{gid}/diff", headers=service.as_("editor3")).json()
    assert set(between) == {"from", "to", "changes", "unified"} and set(between["changes"][0]) == {"field", "before", "after"}


def test_refusals_become_their_http_answers(service):
    editor = service.as_("editor3")
    gid = unique_id("kayak")
    data = new_item(gid, "皮艇租赁备案", ["租皮艇"])
    create(service, data)
    cases = [
        (service.client.get("/api/editor/guides/no-such-guide", headers=editor), 404,
         {"detail": "没有找到指南「no-such-guide」"}),
        (service.client.get(f"/api/editor/guides/{gid}/diff", params={"from": 1, "to": 5}, headers=editor), 404,
         {"detail": f"指南「{gid}」没有版本 5"}),
        (service.client.post(f"/api/editor/guides/{gid}/aliases", json={"alias": "   "}, headers=editor), 422,
         {"detail": "别名不能为空"}),
        (service.client.post(f"/api/editor/guides/{gid}/aliases", json={"alias": "租皮艇"}, headers=editor), 409,
         {"detail": "「租皮艇」已是这份指南的名称或别名"}),
        (service.client.post("/api/editor/guides", json={"kind": "item", "data": new_item("passport", "又一个")},
                             headers=editor), 409, {"detail": "id「passport」已被另一份指南使用，请换一个"}),
        (service.client.post(f"/api/editor/guides/{gid}/withdraw", headers=service.as_("reviewer3")), 409,
         {"detail": "该指南当前未上线"}),
    ]
    for resp, status, body in cases:
        assert (resp.status_code, resp.json()) == (status, body), resp.request.url
    invalid = service.client.put(f"/api/editor/guides/{gid}/draft", headers=editor,
                                 json={"base_version": 1, "data": {**data, "audience": ["外星人"]}})
    assert invalid.status_code == 422 and invalid.json()["detail"] == "指南内容有误，请按提示修改"
    assert [e["field"] for e in invalid.json()["errors"]] == ["audience.0"]


def test_publishing_needs_the_reviewer_role(service):
    gid = unique_id("ferry")
    create(service, new_item(gid, "渡船营运备案"))
    for username in ("editor3", "staff3"):
        resp = service.client.post(f"/api/editor/guides/{gid}/publish", json={"version": 1},
                                   headers=service.as_(username))
        assert resp.status_code == 403, username
    assert service.client.get("/api/editor/guides", headers=service.as_("staff3")).status_code == 403
    resp = service.client.post(f"/api/editor/guides/{gid}/publish", json={"version": 1},
                               headers=service.as_("reviewer3"))
    assert resp.status_code == 200 and resp.json()["published_version"] == 1 and resp.json()["indexed_ms"] > 0
    assert service.client.get(f"/api/items/{gid}").json()["name"] == "渡船营运备案"


def test_a_failed_index_update_is_503_and_the_old_version_serves(service):
    gid = unique_id("hot-spring")
    create(service, new_item(gid, "温泉取水许可"))
    with broken_vector_cache(service.workdir):
        resp = service.client.post(f"/api/editor/guides/{gid}/publish", json={"version": 1},
                                   headers=service.as_("reviewer3"))
    assert resp.status_code == 503
    assert resp.json()["detail"].startswith("索引更新失败：") and resp.json()["detail"].endswith("；线上仍使用原来的版本")
    assert service.client.get(f"/api/items/{gid}").status_code == 404


def test_zip_import_answers(service):
    reviewer = service.as_("reviewer3")

    def upload(content: bytes, publish: bool = False):
        return service.client.post("/api/editor/import", headers=reviewer, data={"publish": str(publish).lower()},
                                   files={"file": ("guides.zip", content, "application/zip")})

    assert upload(b"not a zip").json() == {"detail": "上传的文件不是 zip 压缩包"}
    bad = unique_id("bad")
    rejected = upload(zip_of({f"items/{bad}.yml": as_yaml(new_item(bad, "时限有误", time_limit={"statutory_days": 10,
                                                                                                "promised_days": 15}))}))
    assert rejected.status_code == 422
    assert {k: v for k, v in rejected.json().items() if k != "errors"} == {
        "detail": "导入文件有误，没有导入任何指南，请按提示修改后重新上传",
        "created": [], "updated": [], "unchanged": [], "published": []}
    good = unique_id("good")
    done = upload(zip_of({f"items/{good}.yml": as_yaml(new_item(good, "正确的事项"))}), publish=True)
    assert done.status_code == 200
    assert done.json() == {"created": [good], "updated": [], "unchanged": [], "published": [good], "errors": []}
    assert upload(b"x", publish=True).status_code == 400
    assert service.client.post("/api/editor/import", headers=service.as_("editor3"),
                               files={"file": ("g.zip", b"x", "application/zip")}).status_code == 403


def test_the_audit_list_names_each_action_in_chinese(service):
    gid = unique_id("audit")
    create(service, new_item(gid, "审计测试事项"))
    mine = service.client.get("/api/editor/audit", params={"guide_id": gid}, headers=service.as_("editor3")).json()
    assert [(e["action"], e["action_label"]) for e in mine] == [("create", "新建指南")]
    everything = service.client.get("/api/editor/audit", params={"limit": 1000}, headers=service.as_("admin")).json()
    assert {e["action"] for e in everything} >= {"login", "user_create", "create"}
    assert all(e["action_label"] == audit.ACTIONS[e["action"]] for e in everything)


@pytest.mark.parametrize("path", ["/login", "/editor", "/editor/import", "/console", "/reports", "/admin/users"])
def test_every_staff_page_is_served(service, path):
    resp = service.client.get(path)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
