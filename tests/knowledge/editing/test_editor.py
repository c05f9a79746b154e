"""The guide editor's API against the real knowledge service: versions, conflicts, validation, diff, audit, zip."""
from __future__ import annotations

import copy
import io
import zipfile

import httpx
import pytest
import yaml

from knowledge.catalogue import parse_guide
from tests.knowledge.guide_samples import create, new_item, new_route, publish, save, top_hit, unique_id, zip_of


# ---- drafts and versions -------------------------------------------------------------------------

def test_a_new_guide_is_a_draft_until_published(editor):
    gid = unique_id("drone-show")
    created = create(editor, new_item(gid, "无人机灯光表演活动备案", ["无人机表演"]))
    assert created["version"] == 1 and created["status"] == "draft" and created["author"] == "editor1"
    assert created["data"]["id"] == gid and created["data"]["status"] == "draft"

    detail = editor.get(f"/api/editor/guides/{gid}").json()
    assert detail["kind"] == "item" and detail["latest_version"] == 1 and detail["published_version"] is None
    assert detail["published"] is None and detail["draft"]["version"] == 1
    assert detail["draft"]["data"]["name"] == "无人机灯光表演活动备案"

    listed = editor.get("/api/editor/guides", params={"q": "无人机表演"}).json()  # found by its alias
    assert [g["id"] for g in listed] == [gid]
    entry = listed[0]
    assert entry == {**entry, "kind": "item", "title": "无人机灯光表演活动备案", "department": "示例市测试管理局",
                     "published_version": None, "latest_version": 1, "has_draft": True, "updated_by": "editor1"}
    assert entry["updated_at"]
    assert gid in {g["id"] for g in editor.get("/api/editor/guides", params={"status": "draft"}).json()}
    assert gid not in {g["id"] for g in editor.get("/api/editor/guides", params={"status": "published"}).json()}
    assert gid not in {g["id"] for g in editor.get("/api/editor/guides", params={"kind": "route"}).json()}
    assert editor.get(f"/api/items/{gid}").status_code == 404  # drafts are not live


def test_each_save_is_a_new_version(editor):
    gid = unique_id("kite-festival")
    data = new_item(gid, "风筝节活动安全许可")
    create(editor, data)
    data["time_limit"]["promised_days"] = 3
    second = save(editor, gid, 1, data)
    assert second["version"] == 2 and second["data"]["time_limit"]["promised_days"] == 3
    versions = editor.get(f"/api/editor/guides/{gid}/versions").json()
    assert [(v["version"], v["status"], v["author"]) for v in versions] == [(2, "draft", "editor1"), (1, "draft", "editor1")]
    assert all(set(v) >= {"version", "status", "author", "created_at", "comment"} for v in versions)


def test_sample_guides_are_listed_as_published(editor):
    listed = {g["id"]: g for g in editor.get("/api/editor/guides", params={"kind": "route"}).json()}
    restaurant = listed["open-restaurant"]
    assert restaurant["title"] == "开办餐饮店" and restaurant["department"] == "多部门联办"
    assert restaurant["published_version"] == restaurant["latest_version"] and restaurant["has_draft"] is False
    detail = editor.get("/api/editor/guides/open-restaurant").json()
    assert detail["draft"] is None and detail["published"]["data"]["name"] == "开办餐饮店"
    assert editor.get("/api/editor/guides/no-such-guide").json() == {"detail": "没有找到指南「no-such-guide」"}


def test_creating_an_existing_id_is_409(editor):
    resp = editor.post("/api/editor/guides", json={"kind": "item", "data": new_item("passport", "另一个护照事项")})
    assert resp.status_code == 409 and "passport" in resp.json()["detail"]
    assert editor.get("/api/items/passport").json()["name"] == "普通护照签发"


def test_concurrent_edit_is_409_with_both_versions_and_nothing_is_overwritten(editor, reviewer):
    gid = unique_id("lantern-show")
    base = new_item(gid, "灯会活动安全许可")
    create(editor, base)
    theirs = copy.deepcopy(base)
    theirs["summary"] = "审核员先改的简介。"
    mine = copy.deepcopy(base)
    mine["summary"] = "编辑后改的简介。"
    assert save(reviewer, gid, 1, theirs)["version"] == 2

    resp = editor.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": mine})
    assert resp.status_code == 409
    body = resp.json()
    assert body["detail"].startswith("该指南已被 reviewer1 于 ") and body["detail"].endswith(" 修改，请比较后再保存")
    assert body["theirs"]["version"] == 2 and body["theirs"]["author"] == "reviewer1"
    assert body["theirs"]["data"]["summary"] == "审核员先改的简介。" and body["theirs"]["created_at"]
    assert body["yours"]["data"]["summary"] == "编辑后改的简介。" and body["yours"]["base_version"] == 1

    detail = editor.get(f"/api/editor/guides/{gid}").json()
    assert detail["latest_version"] == 2 and detail["draft"]["data"]["summary"] == "审核员先改的简介。"
    assert len(editor.get(f"/api/editor/guides/{gid}/versions").json()) == 2
    # After comparing, the editor saves on top of version 2.
    assert save(editor, gid, 2, mine)["version"] == 3


# ---- validation ----------------------------------------------------------------------------------

def _item_with(**changes) -> dict:
    data = new_item(unique_id("check"), "校验用事项")
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if isinstance(target, list) else target[k]
        last = keys[-1]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is DELETE:
            del target[last]
        else:
            target[last] = value
    return data


DELETE = object()


def _route(steps: list[dict]) -> dict:
    return new_route(unique_id("check-route"), "校验用路线", steps)


INVALID = [
    pytest.param(_item_with(time_limit={"statutory_days": 20, "promised_days": 30}), "time_limit.promised_days",
                 "承诺办结时限（30 个工作日）不能长于法定办结时限（20 个工作日）", id="promise-longer-than-law"),
    pytest.param(_item_with(materials=[{"name": "申请书"}, {"name": "场地证明", "necessity": "容缺"}]),
                 "materials.1.deferral_days", "容缺材料「场地证明」必须写明补交期限（deferral_days）",
                 id="rongque-without-deadline"),
    pytest.param(_route([{"id": "first", "item": "passport"}, {"id": "second", "item": "passport", "depends_on": ["third"]}]),
                 "steps.1.depends_on", "步骤「second」依赖的步骤不存在：third", id="missing-step"),
    pytest.param(_route([{"id": "aa", "item": "passport", "depends_on": ["bb"]},
                         {"id": "bb", "item": "passport", "depends_on": ["aa"]}]),
                 "steps.0.depends_on", "步骤之间存在循环依赖：aa → bb → aa", id="cycle"),
    pytest.param(_route([{"id": "only", "item": "no-such-item"}]), "steps.0.item",
                 "步骤「only」引用的事项「no-such-item」不存在", id="step-item-missing"),
    pytest.param(_item_with(name=DELETE), "name", "必填项，不能为空", id="missing-field"),
    pytest.param(_item_with(colour="red"), "colour", "不认识的字段（可能拼错了，或不属于这一类指南）", id="extra-field"),
    pytest.param(_item_with(time_limit={"promised_days": "五天"}), "time_limit.promised_days", "应为整数", id="wrong-type"),
    pytest.param(_item_with(audience=[]), "audience", "至少要有 1 项", id="too-short"),
    pytest.param(_item_with(type="许可"), "type",
                 "应为以下之一：行政许可、公共服务、备案、行政确认、行政登记、行政给付、其他行政权力", id="enum"),
    pytest.param(_item_with(id="Bad ID!"), "id", "只能用小写英文字母、数字和连字符（-），2–64 个字符，以字母或数字开头",
                 id="bad-slug"),
]


@pytest.mark.parametrize("data, field, msg", INVALID)
def test_invalid_guides_are_422_with_field_paths_in_chinese(editor, data, field, msg):
    resp = editor.post("/api/editor/guides", json={"kind": data["kind"], "data": data})
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["detail"] == "指南内容有误，请按提示修改"
    assert {"field": field, "msg": msg} in body["errors"], body["errors"]
    assert editor.get(f"/api/editor/guides/{data['id']}").status_code == 404  # nothing stored


def test_saving_an_invalid_draft_keeps_the_last_good_version(editor):
    gid = unique_id("ferry")
    data = new_item(gid, "渡口渡船营运许可")
    create(editor, data)
    broken = copy.deepcopy(data)
    broken["materials"].append({"name": "安全承诺书", "necessity": "容缺"})
    broken["time_limit"]["promised_days"] = 45
    resp = editor.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": broken})
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"time_limit.promised_days", "materials.2.deferral_days"} <= fields  # every problem at once
    assert editor.get(f"/api/editor/guides/{gid}").json()["latest_version"] == 1

    renamed = {**data, "id": "another-id"}
    resp = editor.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": renamed})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "id"
    as_faq = {**data, "kind": "faq"}
    resp = editor.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": as_faq})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "kind"


def test_a_draft_route_may_use_a_draft_item(editor):
    item_id, route_id = unique_id("pet-shop-permit"), unique_id("open-pet-shop")
    create(editor, new_item(item_id, "宠物店动物诊疗许可"))
    route = new_route(route_id, "开办宠物店", [{"id": "permit", "item": item_id}])
    assert create(editor, route)["version"] == 1


# ---- aliases, diff, audit ------------------------------------------------------------------------

def test_adding_an_alias_makes_a_new_draft(editor):
    gid = unique_id("bonsai")
    create(editor, new_item(gid, "古树名木移植审批", ["移大树"]))
    resp = editor.post(f"/api/editor/guides/{gid}/aliases", json={"alias": "  挪古树 "})
    assert resp.status_code == 200
    assert resp.json()["version"] == 2 and resp.json()["data"]["aliases"] == ["移大树", "挪古树"]
    assert resp.json()["comment"] == "添加别名「挪古树」"
    again = editor.post(f"/api/editor/guides/{gid}/aliases", json={"alias": "挪古树"})
    assert again.status_code == 409 and again.json()["detail"] == "「挪古树」已是这份指南的名称或别名"
    faq = editor.post("/api/editor/guides/faq-hall-hours/aliases", json={"alias": "大厅几点关门呀"})
    assert faq.status_code == 200 and faq.json()["data"]["alt_questions"][-1] == "大厅几点关门呀"


def test_diff_lists_changed_fields_and_a_yaml_diff(editor):
    gid = unique_id("street-stall")
    data = new_item(gid, "临时占道摆摊许可", ["摆地摊"])
    create(editor, data)
    data["time_limit"]["promised_days"] = 2
    data["aliases"] = ["摆地摊", "夜市摆摊"]
    data["materials"][1]["copies"] = 2
    save(editor, gid, 1, data)
    resp = editor.get(f"/api/editor/guides/{gid}/diff", params={"from": 1, "to": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert body["from"] == 1 and body["to"] == 2
    changes = {c["field"]: (c["before"], c["after"]) for c in body["changes"]}
    assert changes == {"time_limit.promised_days": (5, 2), "aliases": (["摆地摊"], ["摆地摊", "夜市摆摊"]),
                       "materials.1.copies": (1, 2)}
    unified = body["unified"]
    assert f"--- {gid} 版本 1" in unified and f"+++ {gid} 版本 2" in unified
    assert "\n-  promised_days: 5\n" in unified and "\n+  promised_days: 2\n" in unified
    assert "\n+- 夜市摆摊\n" in unified
    assert editor.get(f"/api/editor/guides/{gid}/diff", params={"from": 1, "to": 9}).status_code == 404


def test_audit_log_records_who_did_what(editor, reviewer):
    gid = unique_id("audit-check")
    data = new_item(gid, "审计记录测试事项")
    create(editor, data)
    save(editor, gid, 1, data)
    publish(reviewer, gid, 2)
    entries = editor.get("/api/editor/audit", params={"guide_id": gid}).json()
    assert [(e["action"], e["username"], e["version"]) for e in entries] == [
        ("publish", "reviewer1", 2), ("save", "editor1", 2), ("create", "editor1", 1)]
    assert all(e["at"] and e["guide_id"] == gid for e in entries)
    assert len(editor.get("/api/editor/audit", params={"limit": 2}).json()) == 2


# ---- export and import ---------------------------------------------------------------------------


def _import(client: httpx.Client, content: bytes, publish: bool = False) -> httpx.Response:
    return client.post("/api/editor/import", files={"file": ("guides.zip", content, "application/zip")},
                       data={"publish": "true" if publish else "false"})


def test_export_is_the_guide_folder_layout(editor):
    resp = editor.get("/api/editor/export")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/zip"
    assert resp.headers["content-disposition"].startswith('attachment; filename="guides-published-')
    with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
        names = set(zf.namelist())
        restaurant = parse_guide(zf.read("routes/open-restaurant.yml").decode())
        passport = parse_guide(zf.read("items/passport.yml").decode())
    assert {"items/passport.yml", "routes/open-restaurant.yml", "faq/faq-rongque.yml"} <= names
    assert all(n.split("/")[0] in {"items", "routes", "faq", "industries"} and n.endswith(".yml") for n in names)
    assert "industries/hotpot-skewers.yml" in names
    assert restaurant.name == "开办餐饮店" and passport.kind == "item"
    live = {g["id"] for g in editor.get("/api/editor/guides", params={"status": "published"}).json()}
    assert {n.split("/")[1].removesuffix(".yml") for n in names} == live


def test_export_and_import_round_trip(editor, reviewer):
    gid, new_id = unique_id("boat-rental"), unique_id("yacht-berth")
    create(editor, new_item(gid, "游船出租经营许可", ["租游船"]))
    publish(reviewer, gid, 1)
    exported = editor.get("/api/editor/export").content
    listed = editor.get("/api/editor/guides").json()

    same = _import(reviewer, exported)
    assert same.status_code == 200, same.text
    assert same.json()["created"] == [] and same.json()["errors"] == []
    assert gid in same.json()["unchanged"] and "open-restaurant" in same.json()["unchanged"]
    # Only live guides whose newest version is an unpublished draft differ from the export.
    assert set(same.json()["updated"]) == {g["id"] for g in listed if g["has_draft"] and g["published_version"]}

    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        changed = yaml.safe_load(zf.read(f"items/{gid}.yml").decode())
    changed["summary"] = "导入时改过的简介：游船出租。"
    files = {f"items/{gid}.yml": yaml.safe_dump(changed, allow_unicode=True, sort_keys=False),
             f"items/{new_id}.yml": yaml.safe_dump(new_item(new_id, "游艇泊位使用登记", ["停游艇"]),
                                                   allow_unicode=True, sort_keys=False)}
    resp = _import(reviewer, zip_of(files), publish=True)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["created"] == [new_id] and body["updated"] == [gid] and body["errors"] == []
    assert sorted(body["published"]) == sorted([gid, new_id]) and body["unchanged"] == []
    assert editor.get(f"/api/items/{gid}").json()["summary"] == "导入时改过的简介：游船出租。"
    assert top_hit(editor, "游艇泊位使用登记") == new_id
    versions = editor.get(f"/api/editor/guides/{gid}/versions").json()
    assert versions[0]["version"] == 2 and versions[0]["status"] == "published"
    assert versions[0]["author"] == "reviewer1" and versions[0]["comment"] == f"导入 items/{gid}.yml"
    assert any(e["action"] == "import" for e in editor.get("/api/editor/audit", params={"guide_id": gid}).json())


def test_import_with_any_error_imports_nothing(editor, reviewer):
    good, bad, route, stray = (unique_id(p) for p in ("good", "bad", "bad-route", "stray"))
    files = {
        f"items/{good}.yml": yaml.safe_dump(new_item(good, "完全正确的事项"), allow_unicode=True),
        f"items/{bad}.yml": yaml.safe_dump(new_item(bad, "时限有误的事项",
                                                    time_limit={"statutory_days": 10, "promised_days": 15}),
                                           allow_unicode=True),
        f"routes/{route}.yml": yaml.safe_dump(new_route(route, "引用不存在事项的路线",
                                                        [{"id": "one", "item": "no-such-item"}]), allow_unicode=True),
        f"faq/{stray}.yml": yaml.safe_dump(new_item(stray, "放错文件夹的事项"), allow_unicode=True),
        "items/not-yaml.yml": "just: [unclosed",
        "items/other-name.yml": yaml.safe_dump(new_item(unique_id("mismatch"), "文件名不符"), allow_unicode=True),
    }
    resp = _import(reviewer, zip_of(files), publish=True)
    assert resp.status_code == 422
    body = resp.json()
    assert body["detail"] == "导入文件有误，没有导入任何指南，请按提示修改后重新上传"
    assert body["created"] == [] and body["updated"] == []
    errors = {(e["file"], e["field"]): e["msg"] for e in body["errors"]}
    assert errors[(f"items/{bad}.yml", "time_limit.promised_days")].startswith("承诺办结时限（15 个工作日）")
    assert errors[(f"routes/{route}.yml", "steps.0.item")] == "步骤「one」引用的事项「no-such-item」不存在"
    assert errors[(f"faq/{stray}.yml", "kind")] == "item 类指南应放在 items/ 文件夹中"
    assert errors[("items/not-yaml.yml", "")].startswith("YAML 格式错误")
    assert errors[("items/other-name.yml", "id")].startswith("文件名应与 id 一致")
    assert not any(e["file"] == f"items/{good}.yml" for e in body["errors"])
    for gid in (good, bad, route, stray):
        assert editor.get(f"/api/editor/guides/{gid}").status_code == 404


@pytest.mark.parametrize("content, detail", [
    (b"this is not a zip", "上传的文件不是 zip 压缩包"),
    (zip_of({"README.md": "# nothing here"}), "压缩包里没有找到指南文件（items/、routes/、faq/、industries/ 下的 .yml 文件）"),
])
def test_import_of_something_else_is_400(reviewer, content, detail):
    resp = _import(reviewer, content)
    assert resp.status_code == 400 and resp.json() == {"detail": detail}
