"""Live publishing against real servers: a published guide is searchable (and answered in conversation)
within 2 s without restarting anything; rollback and withdrawal; a failing index update changes nothing;
several replicas on one PostgreSQL database follow each other's publications, even across an outage.
"""
from __future__ import annotations

import stat
import time
import uuid

import httpx
import pytest

from knowledge.catalogue import SAMPLE_GUIDES, Catalogue

from tests.knowledge.guide_samples import create, new_item, new_route, publish, save, titles_found, top_hit, unique_id
from tests.stack import (ADMIN_PASSWORD, Process, broken_vector_cache, knowledge_process, login, password_for, say,
                         texts)

LIVE_WITHIN_S = 2.0


def wait_for(check, timeout: float, interval: float = 0.05):
    """Seconds until check() is truthy; fails the test after `timeout`."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true within {timeout}s: {check.__doc__ or check}")
        time.sleep(interval)


# ---- one replica ---------------------------------------------------------------------------------

def test_a_published_guide_is_searchable_within_2s(editor, reviewer):
    gid = unique_id("balloon-launch")
    name = "升放无人驾驶自由气球活动审批"
    create(editor, new_item(gid, name, ["放探空气球"]))
    assert top_hit(editor, name) != gid and editor.get(f"/api/items/{gid}").status_code == 404

    started = time.monotonic()
    resp = reviewer.post(f"/api/editor/guides/{gid}/publish", json={"version": 1})
    assert resp.status_code == 200, resp.text
    assert resp.json()["published_version"] == 1 and resp.json()["indexed_ms"] > 0
    wait_for(lambda: top_hit(editor, name) == gid, timeout=10)
    elapsed = time.monotonic() - started
    print(f"published → searchable: {elapsed:.2f}s")
    assert elapsed < LIVE_WITHIN_S, f"published guide searchable after {elapsed:.2f}s"
    assert top_hit(editor, "放探空气球") == gid
    assert editor.get(f"/api/items/{gid}").json()["name"] == name
    assert editor.get(f"/api/items/{gid}/notice").status_code == 200

    detail = editor.get(f"/api/editor/guides/{gid}").json()
    assert detail["published_version"] == 1 and detail["draft"] is None
    assert detail["published"]["data"]["status"] == "published"
    again = reviewer.post(f"/api/editor/guides/{gid}/publish", json={"version": 1})
    assert again.status_code == 409 and again.json()["detail"] == "版本 1 已是线上版本"


def test_a_new_version_replaces_the_old_and_rollback_restores_it(editor, reviewer):
    gid = unique_id("night-market")
    first, second = "夜市临时摊点经营备案", "夜间集市摊位登记"
    data = new_item(gid, first, ["夜市出摊"])
    create(editor, data)
    publish(reviewer, gid, 1)
    data.update(name=second, aliases=["夜间集市摆摊"])
    save(editor, gid, 1, data)
    assert top_hit(editor, first) == gid  # a saved draft changes nothing live
    publish(reviewer, gid, 2)
    assert editor.get(f"/api/items/{gid}").json()["name"] == second
    assert top_hit(editor, "夜间集市摆摊") == gid
    assert titles_found(editor, first, gid) in ([], [second])  # the index holds version 2 only

    resp = reviewer.post(f"/api/editor/guides/{gid}/rollback", json={"version": 1})
    assert resp.status_code == 200, resp.text
    assert resp.json()["published_version"] == 3
    assert editor.get(f"/api/items/{gid}").json()["name"] == first
    assert top_hit(editor, "夜市出摊") == gid and titles_found(editor, "夜市出摊", gid) == [first]
    versions = editor.get(f"/api/editor/guides/{gid}/versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(3, "published"), (2, "superseded"), (1, "superseded")]
    assert versions[0]["comment"] == "回滚到版本 1" and versions[0]["published_by"] == "reviewer1"
    same = reviewer.post(f"/api/editor/guides/{gid}/rollback", json={"version": 3})
    assert same.status_code == 409 and same.json()["detail"] == "版本 3 就是线上版本，无需回滚"
    old = reviewer.post(f"/api/editor/guides/{gid}/publish", json={"version": 2})
    assert old.status_code == 409 and "回滚" in old.json()["detail"]


def test_withdrawn_guides_leave_search_and_can_come_back(editor, reviewer):
    gid = unique_id("sky-lantern")
    name = "燃放孔明灯活动安全审批"
    create(editor, new_item(gid, name))
    publish(reviewer, gid, 1)
    assert top_hit(editor, name) == gid

    resp = reviewer.post(f"/api/editor/guides/{gid}/withdraw")
    assert resp.status_code == 200 and resp.json()["published_version"] is None
    assert top_hit(editor, name) != gid
    assert editor.get(f"/api/items/{gid}").status_code == 404
    assert editor.get(f"/api/editor/guides/{gid}/versions").json()[0]["status"] == "withdrawn"
    again = reviewer.post(f"/api/editor/guides/{gid}/withdraw")
    assert again.status_code == 409 and again.json()["detail"] == "该指南当前未上线"

    assert reviewer.post(f"/api/editor/guides/{gid}/rollback", json={"version": 1}).status_code == 200
    assert top_hit(editor, name) == gid


def test_routes_use_only_live_items_and_live_items_cannot_be_pulled_from_under_them(editor, reviewer):
    item_id, route_id = unique_id("beekeeping"), unique_id("open-apiary")
    create(editor, new_item(item_id, "蜂场设立备案"))
    create(editor, new_route(route_id, "开办养蜂场", [{"id": "apiary", "item": item_id}]))
    early = reviewer.post(f"/api/editor/guides/{route_id}/publish", json={"version": 1})
    assert early.status_code == 422  # its item is still a draft
    assert early.json()["errors"] == [{"field": "steps.0.item", "msg": f"步骤「apiary」引用的事项「{item_id}」不存在"}]

    publish(reviewer, item_id, 1)
    publish(reviewer, route_id, 1)
    plan = editor.post(f"/api/routes/{route_id}/plan", json={"answers": {}})
    assert plan.status_code == 200 and plan.json()["steps"][0]["title"] == "蜂场设立备案"

    refused = reviewer.post(f"/api/editor/guides/{item_id}/withdraw")
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("这样改会使其他线上指南出错，请先修改它们：")
    assert route_id in refused.json()["detail"]
    assert editor.get(f"/api/items/{item_id}").status_code == 200


def test_a_failing_index_update_leaves_the_live_version_serving(staff_stack, editor, reviewer):
    gid, newcomer = unique_id("hot-spring"), unique_id("geothermal")
    old_name, new_name = "温泉开采许可", "地热温泉取水许可"
    data = new_item(gid, old_name, summary=f"温泉开采的办事指南（{gid}）。")
    create(editor, data)
    publish(reviewer, gid, 1)
    data.update(name=new_name, summary=f"地热温泉取水的办事指南（{gid}）。")
    save(editor, gid, 1, data)
    create(editor, new_item(newcomer, "地热井成井验收", summary=f"地热井（{newcomer}）。"))

    with broken_vector_cache(staff_stack.workdir):
        resp = reviewer.post(f"/api/editor/guides/{gid}/publish", json={"version": 2})
        first = reviewer.post(f"/api/editor/guides/{newcomer}/publish", json={"version": 1})
    assert resp.status_code == 503, resp.text
    detail = resp.json()["detail"]
    assert detail.startswith("索引更新失败：") and detail.endswith("；线上仍使用原来的版本")
    assert editor.get(f"/api/items/{gid}").json()["name"] == old_name
    assert top_hit(editor, old_name) == gid
    assert titles_found(editor, new_name, gid) in ([], [old_name])  # version 1 is what the index serves
    guide = editor.get(f"/api/editor/guides/{gid}").json()
    assert guide["published_version"] == 1 and guide["draft"]["version"] == 2
    assert [v["status"] for v in editor.get(f"/api/editor/guides/{gid}/versions").json()] == ["draft", "published"]
    assert not any(e["action"] == "publish" and e["version"] == 2
                   for e in editor.get("/api/editor/audit", params={"guide_id": gid}).json())
    assert first.status_code == 503  # a guide published for the first time: nothing goes live either
    assert editor.get(f"/api/editor/guides/{newcomer}").json()["published_version"] is None
    assert editor.get(f"/api/items/{newcomer}").status_code == 404

    publish(reviewer, gid, 2)  # with the folder back, the same version goes live
    assert top_hit(editor, new_name) == gid and titles_found(editor, new_name, gid) == [new_name]


# ---- the conversation side -----------------------------------------------------------------------

def test_a_published_guide_is_answered_in_conversation_without_restarting(stack):
    gid = unique_id("tethered-balloon")
    name, alias = "升放系留气球活动许可", "放系留气球"
    with login(stack.knowledge_url, "admin", ADMIN_PASSWORD) as admin:
        create(admin, new_item(gid, name, [alias], department="示例市气象局"))
        sender = f"publish-{uuid.uuid4().hex[:8]}"
        before = texts(say(stack.rasa_url, f"{sender}-before", f"{alias}要带什么材料"))
        assert name not in before

        started = time.monotonic()
        publish(admin, gid, 1)
        wait_for(lambda: top_hit(admin, name) == gid, timeout=10)
        searchable = time.monotonic() - started
        reply = texts(say(stack.rasa_url, sender, f"{alias}要带什么材料"))
        answered = time.monotonic() - started
    print(f"published → searchable {searchable:.2f}s, answered in conversation {answered:.2f}s")
    assert name in reply and "申请书" in reply, reply
    assert searchable < LIVE_WITHIN_S, f"searchable after {searchable:.2f}s"
    assert answered < LIVE_WITHIN_S, f"answered in conversation after {answered:.2f}s"


# ---- replicas on one PostgreSQL database ---------------------------------------------------------

SERVICE_TOKEN = f"service-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def replicas(postgres_database, tmp_path_factory):
    """Two knowledge services started together on one fresh PostgreSQL database (as with several
    replicas behind a load balancer). Neither is given ADMIN_PASSWORD."""
    url = postgres_database()
    workdir = tmp_path_factory.mktemp("replicas")
    procs = [knowledge_process(workdir / name, DATABASE_URL=url, ADMIN_PASSWORD="", SERVICE_TOKEN=SERVICE_TOKEN)
             for name in ("a", "b")]
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.wait_healthy()
        yield url, procs
    finally:
        for p in procs:
            p.stop()


def _url(p: Process) -> str:
    return p.health_url.removesuffix("/healthz")


@pytest.fixture(scope="module")
def admin_password(replicas) -> str:
    _, procs = replicas
    files = [p.log.parent / "var" / "initial-admin-password" for p in procs]
    written = [f for f in files if f.exists()]
    assert len(written) == 1, "exactly one replica creates the first administrator"
    assert stat.S_IMODE(written[0].stat().st_mode) == 0o600
    return written[0].read_text().strip()


def test_replicas_start_together_and_share_one_first_admin(replicas, admin_password):
    _, procs = replicas
    assert len(admin_password) >= 12
    for p in procs:
        with login(_url(p), "admin", admin_password) as admin:
            users = admin.get("/api/users").json()
            assert [u["username"] for u in users] == ["admin"]
            guides = admin.get("/api/editor/guides").json()
            assert len(guides) == len(Catalogue.from_folder(SAMPLE_GUIDES).all())  # every guide file, seeded once
    logs = "".join(p.log.read_text(errors="replace") for p in procs)
    assert logs.count("created the first administrator account") == 1


def test_service_token_guards_posting_conversation_events(replicas):
    _, procs = replicas
    event = {"conversation_id": "token-test", "type": "gap", "text": "测试"}
    url = f"{_url(procs[0])}/api/conversations/events"
    refused = httpx.post(url, json=event)
    assert refused.status_code == 403 and refused.json()["detail"].startswith("服务令牌无效")
    assert httpx.post(url, json=event, headers={"X-Service-Token": "wrong"}).status_code == 403
    assert httpx.post(url, json=event, headers={"X-Service-Token": SERVICE_TOKEN}).status_code == 201


def test_the_editor_flow_on_postgresql(replicas, admin_password):
    _, (a, b) = replicas
    with login(_url(a), "admin", admin_password) as admin:
        assert admin.post("/api/users", json={"username": "pg-editor", "password": password_for("pg-editor"),
                                              "role": "editor"}).status_code == 201
    gid = unique_id("pg-flow")
    with login(_url(a), "pg-editor", password_for("pg-editor")) as editor_a, \
            login(_url(b), "admin", admin_password) as admin_b:
        data = new_item(gid, "码头岸电设施接入备案")
        create(editor_a, data)
        data["summary"] = "副本 B 上改的简介。"
        save(admin_b, gid, 1, data)  # saved through the other replica: one database
        data["summary"] = "副本 A 上基于旧版本改的简介。"
        conflict = editor_a.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": data})
        assert conflict.status_code == 409 and conflict.json()["theirs"]["data"]["summary"] == "副本 B 上改的简介。"
        bad = {**data, "time_limit": {"statutory_days": 3, "promised_days": 4}}
        invalid = editor_a.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 2, "data": bad})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "time_limit.promised_days"
        publish(admin_b, gid, 2)
        diff = editor_a.get(f"/api/editor/guides/{gid}/diff", params={"from": 1, "to": 2}).json()
        assert diff["changes"][0]["field"] == "summary"
        actions = [e["action"] for e in editor_a.get("/api/editor/audit", params={"guide_id": gid}).json()]
        assert actions == ["publish", "save", "create"]


def test_published_on_one_replica_is_found_on_the_other_within_2s(replicas, admin_password):
    _, (a, b) = replicas
    gid = unique_id("replica")
    name = "海上风电场用海预审"
    with login(_url(a), "admin", admin_password) as on_a, login(_url(b), "admin", admin_password) as on_b:
        create(on_a, new_item(gid, name, ["风电用海"]))
        started = time.monotonic()
        publish(on_a, gid, 1)
        assert top_hit(on_a, name) == gid
        wait_for(lambda: top_hit(on_b, name) == gid, timeout=10)
        elapsed = time.monotonic() - started
        print(f"published on replica A → found on replica B: {elapsed:.2f}s")
        assert elapsed < LIVE_WITHIN_S, f"found on the other replica after {elapsed:.2f}s"
        assert on_b.get(f"/api/items/{gid}").json()["name"] == name

        assert on_b.post(f"/api/editor/guides/{gid}/withdraw").status_code == 200
        wait_for(lambda: on_a.get(f"/api/items/{gid}").status_code == 404, timeout=LIVE_WITHIN_S + 1)
        assert top_hit(on_a, name) != gid


def test_replicas_survive_a_database_outage(replicas, admin_password):
    import psycopg

    url, (a, b) = replicas
    database = url.rsplit("/", 1)[1]
    before = [p.log.read_text(errors="replace").count("database unavailable") for p in (a, b)]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as pg:
        pg.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))
        try:
            time.sleep(4)  # several poll intervals
            for p in (a, b):
                assert p.proc.poll() is None, f"{p.name} exited during the outage"
                # Search runs from memory and keeps answering.
                assert httpx.get(f"{_url(p)}/api/search", params={"q": "护照"}).status_code == 200
            after = [p.log.read_text(errors="replace").count("database unavailable") for p in (a, b)]
            assert [x - y for x, y in zip(after, before)] == [1, 1], "the outage is logged once per replica"
        finally:
            pg.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')

    gid = unique_id("after-outage")
    name = "防雷装置设计审核"
    with login(_url(a), "admin", admin_password) as on_a, login(_url(b), "admin", admin_password) as on_b:
        create(on_a, new_item(gid, name))
        publish(on_a, gid, 1)
        wait_for(lambda: top_hit(on_b, name) == gid, timeout=6)
    assert "catalogue poll works again" in b.log.read_text(errors="replace")
