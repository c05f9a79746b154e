"""指南维护 (/editor) in headless Chromium against the real knowledge service (staff_stack).

Every test works on guides it creates itself (unique ids), so tests never disturb each other or the
sample guides that other suites search for.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import quote

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.stack import ROOT, broken_vector_cache, login
from tests.web.staff_browser import (PHONE, SCREENSHOTS, browser, expect_toast, laptop,  # noqa: F401 (fixtures)
                                     needs_chromium, new_context, no_sideways_scroll, open_page, password_of, phone,
                                     sign_in, unique)

pytestmark = needs_chromium
GUIDES = ROOT / "knowledge" / "guides"


# ---- data and API helpers ----------------------------------------------------------------------

def sample(folder: str, guide_id: str) -> dict:
    """A sample guide as JSON-ready data (dates become strings)."""
    data = yaml.safe_load((GUIDES / folder / f"{guide_id}.yml").read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def new_item(gid: str, name: str) -> dict:
    data = sample("items", "food-business-license")
    data.update(id=gid, name=name, aliases=[], code=f"SAMPLE-TEST-{gid[-6:].upper()}", faq=[])
    data.pop("version", None), data.pop("status", None)
    return data


def new_route(gid: str, name: str) -> dict:
    data = sample("routes", "close-company")
    data.update(id=gid, name=name, aliases=[])
    data.pop("version", None), data.pop("status", None)
    return data


@pytest.fixture(scope="module")
def api(staff_stack):
    """Signed-in HTTP clients by username, for setting up guides and checking what the pages did."""
    clients: dict[str, httpx.Client] = {}

    def client(username: str) -> httpx.Client:
        if username not in clients:
            clients[username] = login(staff_stack.knowledge_url, username, password_of(username))
        return clients[username]

    yield client
    for c in clients.values():
        c.close()


def create(client: httpx.Client, kind: str, data: dict) -> None:
    resp = client.post("/api/editor/guides", json={"kind": kind, "data": data})
    assert resp.status_code == 201, resp.text


def detail(client: httpx.Client, gid: str) -> dict:
    resp = client.get(f"/api/editor/guides/{gid}")
    assert resp.status_code == 200, resp.text
    return resp.json()


def open_editor(page: Page, base_url: str, username: str, gid: str) -> None:
    sign_in(page, base_url, username, next_path=quote(f"/editor?id={gid}", safe=""))
    expect(page.get_by_test_id("guide-form")).to_be_visible()


def clean(page: Page) -> None:
    assert not page.dialogs, page.dialogs  # the page asks through its own dialog, never alert/confirm
    assert not page.js_errors, page.js_errors


def confirm(page: Page) -> None:
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    page.get_by_test_id("confirm-ok").click()


def search_ids(base_url: str, query: str) -> list[str]:
    resp = httpx.get(base_url + "/api/search", params={"q": query, "k": 5}, timeout=30)
    resp.raise_for_status()
    return [r["id"] for r in resp.json()["results"]]


# ---- tests --------------------------------------------------------------------------------------

def test_editor_saves_a_draft_sees_errors_by_the_field_and_cannot_publish(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-edit")
    create(api("editor1"), "item", new_item(gid, "测试编辑事项"))
    open_editor(laptop, base, "editor1", gid)
    expect(laptop.get_by_test_id("guide-title")).to_contain_text("测试编辑事项")
    expect(laptop.get_by_test_id("guide-draft-badge")).to_have_text("草稿 v1")
    # An editor is not offered what only reviewers may do.
    expect(laptop.get_by_test_id("publish")).to_have_count(0)
    expect(laptop.get_by_test_id("withdraw")).to_have_count(0)
    expect(laptop.get_by_test_id("import-form")).to_be_hidden()

    # 承诺办结时限 longer than 法定办结时限: the Chinese message sits right under that input.
    laptop.get_by_test_id("promised-days").fill("30")
    expect(laptop.get_by_test_id("dirty-badge")).to_be_visible()
    laptop.get_by_test_id("save-draft").click()
    summary = laptop.get_by_test_id("error-summary")
    expect(summary).to_contain_text("指南内容有误")
    expect(summary).to_contain_text("办理时限 › 承诺办结时限")
    message = laptop.locator('[data-error-for="time_limit.promised_days"]')
    expect(message).to_contain_text("不能长于法定办结时限")
    field = laptop.locator('[data-field="time_limit.promised_days"]')
    expect(field).to_have_class(re.compile(r"\bhas-error\b"))
    box, msg_box = laptop.get_by_test_id("promised-days").bounding_box(), message.bounding_box()
    assert 0 <= msg_box["y"] - (box["y"] + box["height"]) < 60 and abs(msg_box["x"] - box["x"]) < 5
    assert detail(api("editor1"), gid)["latest_version"] == 1  # nothing was stored

    # A new 容缺 material without its hand-in deadline: the message goes to that row's deadline cell.
    laptop.get_by_test_id("promised-days").fill("8")
    materials = laptop.get_by_test_id("material-row")
    rows_before = materials.count()
    laptop.get_by_test_id("add-material").click()
    expect(materials).to_have_count(rows_before + 1)
    new_row = materials.nth(rows_before)
    expect(new_row.get_by_test_id("material-name")).to_be_focused()
    new_row.get_by_test_id("material-name").fill("消防安全承诺书")
    new_row.get_by_test_id("material-necessity").select_option("容缺")
    expect(new_row.get_by_test_id("material-deferral")).to_be_enabled()
    laptop.get_by_test_id("save-draft").click()
    deferral_error = laptop.locator(f'[data-error-for="materials.{rows_before}.deferral_days"]')
    expect(deferral_error).to_contain_text("必须写明补交期限")
    expect(laptop.locator('[data-error-for="time_limit.promised_days"]')).to_have_text("")

    new_row = laptop.get_by_test_id("material-row").nth(rows_before)
    new_row.get_by_test_id("material-deferral").fill("3")
    new_row.get_by_label("可用告知承诺书替代").check()
    laptop.get_by_test_id("save-draft").click()
    # In the sample base a 容缺 choice is local and must say so; the message sits under its notes.
    expect(laptop.locator(f'[data-error-for="materials.{rows_before}.notes"]')).to_contain_text("须在说明（notes）中标注（示例）")
    new_row = laptop.get_by_test_id("material-row").nth(rows_before)
    new_row.get_by_label("备注").fill("开业前补交（示例）")
    laptop.get_by_test_id("field-name").fill("测试编辑事项（修订）")
    laptop.get_by_test_id("save-draft").click()
    expect_toast(laptop, "已保存草稿 v2")
    expect(laptop.get_by_test_id("guide-draft-badge")).to_have_text("草稿 v2")
    expect(laptop.get_by_test_id("error-summary")).to_be_hidden()
    listed = laptop.locator(f'[data-testid="guide-row"][data-id="{gid}"]')
    expect(listed).to_contain_text("测试编辑事项（修订）")
    expect(listed).to_have_attribute("aria-selected", "true")

    stored = detail(api("editor1"), gid)
    assert stored["draft"]["version"] == 2 and stored["draft"]["author"] == "editor1"
    data = stored["draft"]["data"]
    assert data["name"] == "测试编辑事项（修订）"
    assert data["time_limit"]["promised_days"] == 8
    added = data["materials"][rows_before]
    assert (added["name"], added["necessity"], added["deferral_days"], added["commitment"]) == \
        ("消防安全承诺书", "容缺", 3, True)
    assert len(data["materials"]) == rows_before + 1  # nothing else was added or lost

    # The page hides 发布, and the server refuses it too.
    status = laptop.evaluate(
        """gid => fetch(`/api/editor/guides/${gid}/publish`, {method: "POST",
             headers: {"Content-Type": "application/json"}, body: JSON.stringify({version: 2})}).then(r => r.status)""",
        gid)
    assert status == 403

    laptop.get_by_test_id("tab-audit").click()
    audit = laptop.get_by_test_id("audit-row")
    expect(audit.first).to_contain_text("保存草稿")
    expect(audit.first).to_contain_text("editor1")
    expect(audit.filter(has_text="新建")).to_have_count(1)
    clean(laptop)


def test_reviewer_publishes_and_search_finds_it_then_withdraws(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-pub")
    name = "蜂产品分装备案测试"
    create(api("editor1"), "item", new_item(gid, name))
    assert gid not in search_ids(base, name)

    open_editor(laptop, base, "reviewer1", gid)
    expect(laptop.get_by_test_id("guide-published-badge")).to_have_text("未发布")
    laptop.get_by_test_id("publish").click()
    confirm(laptop)
    expect(laptop.get_by_test_id("action-result")).to_have_text(re.compile(r"^已发布 v1，约 \d+ ms 后可检索$"))
    expect(laptop.get_by_test_id("guide-published-badge")).to_have_text("已发布 v1")
    expect(laptop.get_by_test_id("guide-draft-badge")).to_have_count(0)
    assert search_ids(base, name)[0] == gid

    laptop.get_by_test_id("withdraw").click()
    confirm(laptop)
    expect(laptop.get_by_test_id("action-result")).to_contain_text("已下线")
    assert gid not in search_ids(base, name)
    assert detail(api("reviewer1"), gid)["published_version"] is None
    clean(laptop)


def test_a_failed_index_update_is_explained_and_the_old_version_keeps_serving(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-index-fail")
    editor = api("editor1")
    data = new_item(gid, "温泉取水许可测试")
    create(editor, "item", data)
    assert api("reviewer1").post(f"/api/editor/guides/{gid}/publish", json={"version": 1}).status_code == 200
    changed = {**data, "name": "地热温泉取水许可测试", "summary": f"地热温泉取水（{gid}）的办事指南。"}
    assert editor.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": changed}).status_code == 200

    open_editor(laptop, base, "reviewer1", gid)
    with broken_vector_cache(staff_stack.workdir):
        laptop.get_by_test_id("publish").click()
        confirm(laptop)
        error = laptop.get_by_test_id("action-error")
        expect(error).to_contain_text("发布失败：索引更新失败")
        expect(error).to_have_text(re.compile("线上仍使用原来的版本$"))
    expect(laptop.get_by_test_id("guide-published-badge")).to_have_text("已发布 v1")
    expect(laptop.get_by_test_id("guide-draft-badge")).to_have_text("草稿 v2")
    assert httpx.get(f"{base}/api/items/{gid}", timeout=30).json()["name"] == "温泉取水许可测试"

    # With the disk healthy again the same draft goes live from the same button.
    laptop.get_by_test_id("publish").click()
    confirm(laptop)
    expect(laptop.get_by_test_id("action-result")).to_contain_text("已发布 v2")
    assert httpx.get(f"{base}/api/items/{gid}", timeout=30).json()["name"] == "地热温泉取水许可测试"
    clean(laptop)


def test_two_editors_at_once_the_second_sees_both_versions(staff_stack, browser: Browser, api):
    base = staff_stack.knowledge_url
    gid = unique("test-conflict")
    create(api("editor1"), "item", new_item(gid, "测试冲突事项"))
    first_ctx, second_ctx = new_context(browser), new_context(browser)
    try:
        first, second = open_page(first_ctx), open_page(second_ctx)
        open_editor(first, base, "editor1", gid)
        open_editor(second, base, "reviewer1", gid)  # both start from v1

        first.locator('[data-path="summary"]').fill("甲：第一位编辑写的简介")
        first.get_by_test_id("save-draft").click()
        expect_toast(first, "已保存草稿 v2")

        second.locator('[data-path="summary"]').fill("乙：第二位编辑写的简介")
        second.get_by_test_id("save-draft").click()
        conflict = second.get_by_test_id("conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("该指南已被 editor1")
        changes = second.get_by_test_id("conflict-changes")
        expect(changes.locator("tbody tr")).to_have_count(1)  # only the summary differs
        summary = changes.locator('tr[data-field="summary"]')
        expect(summary).to_contain_text("简介")
        expect(summary.locator("td.mine")).to_have_text("乙：第二位编辑写的简介")
        expect(summary.locator("td.theirs")).to_have_text("甲：第一位编辑写的简介")
        expect(second.get_by_test_id("conflict-yours")).to_contain_text("基于 v1")
        expect(second.get_by_test_id("conflict-theirs")).to_contain_text(re.compile(r"v2 · editor1 · \d{4}-\d\d-\d\d \d\d:\d\d"))
        # The line-by-line comparison is the server's diff of the YAML files (knowledge/editing/diff.py):
        # the page has no YAML of its own.
        unified = second.get_by_test_id("conflict-unified")
        expect(unified.locator(".add, .del").filter(has_text="summary: 甲：第一位编辑写的简介")).to_have_count(1)
        expect(second.get_by_test_id("guide-form")).to_be_hidden()
        assert detail(api("editor1"), gid)["draft"]["data"]["summary"] == "甲：第一位编辑写的简介"

        # Overwriting knowingly saves on top of v2.
        second.get_by_test_id("overwrite").click()
        expect_toast(second, "已保存草稿 v3")
        expect(second.get_by_test_id("conflict")).to_be_hidden()
        stored = detail(api("editor1"), gid)
        assert stored["latest_version"] == 3 and stored["draft"]["data"]["summary"] == "乙：第二位编辑写的简介"

        # The first editor is now behind; keeping the other version loads it into the form.
        first.locator('[data-path="summary"]').fill("甲：又改了一次")
        first.get_by_test_id("save-draft").click()
        summary = first.get_by_test_id("conflict-changes").locator('tr[data-field="summary"]')
        expect(summary.locator("td.theirs")).to_have_text("乙：第二位编辑写的简介")
        expect(summary.locator("td.mine")).to_have_text("甲：又改了一次")
        expect(first.get_by_test_id("conflict-theirs")).to_contain_text("v3 · reviewer1")
        first.get_by_test_id("keep-theirs").click()
        expect(first.locator('[data-path="summary"]')).to_have_value("乙：第二位编辑写的简介")
        expect(first.get_by_test_id("dirty-badge")).to_have_count(0)
        assert detail(api("editor1"), gid)["latest_version"] == 3
        clean(first), clean(second)
    finally:
        first_ctx.close()
        second_ctx.close()


def test_versions_diff_and_rollback(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-rollback")
    editor, reviewer = api("editor1"), api("reviewer1")
    original = new_item(gid, "测试回滚事项")
    create(editor, "item", original)
    assert reviewer.post(f"/api/editor/guides/{gid}/publish", json={"version": 1}).status_code == 200
    changed = {**original, "name": "测试回滚事项（改错了）",
               "time_limit": {**original["time_limit"], "promised_days": 3}}
    assert editor.put(f"/api/editor/guides/{gid}/draft", json={"base_version": 1, "data": changed}).status_code == 200
    assert reviewer.post(f"/api/editor/guides/{gid}/publish", json={"version": 2}).status_code == 200

    open_editor(laptop, base, "reviewer1", gid)
    laptop.get_by_test_id("tab-versions").click()
    rows = laptop.get_by_test_id("version-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("已发布")
    expect(rows.nth(1)).to_contain_text("历史版本")

    # The diff of v1 → v2 is shown: the changed fields in a table, and the YAML with -/+ lines.
    changes = laptop.get_by_test_id("diff-changes")
    promised = changes.locator('tr[data-field="time_limit.promised_days"]')
    expect(promised).to_contain_text("承诺办结时限")
    expect(promised.locator("td.before")).to_have_text("5")
    expect(promised.locator("td.after")).to_have_text("3")
    expect(changes.locator('tr[data-field="name"] td.after')).to_have_text("测试回滚事项（改错了）")
    unified = laptop.get_by_test_id("diff-unified")
    expect(unified.locator(".del").filter(has_text="promised_days: 5")).to_have_count(1)
    expect(unified.locator(".add").filter(has_text="promised_days: 3")).to_have_count(1)
    assert unified.locator(".add").first.evaluate("e => getComputedStyle(e).color") != \
        unified.locator(".del").first.evaluate("e => getComputedStyle(e).color")

    # Comparing the same version with itself shows no changes.
    laptop.locator('input[name="diff-from"][value="2"]').check()
    laptop.get_by_test_id("compare").click()
    expect(changes).to_contain_text("两个版本内容相同")

    rows.filter(has=laptop.locator("strong", has_text="v1")).get_by_test_id("rollback").click()
    confirm(laptop)
    expect(laptop.get_by_test_id("action-result")).to_have_text(re.compile(r"^已回滚：v1 的内容已发布为 v3，约 \d+ ms 后可检索$"))
    expect(laptop.get_by_test_id("version-row")).to_have_count(3)
    expect(laptop.get_by_test_id("guide-published-badge")).to_have_text("已发布 v3")
    stored = detail(reviewer, gid)
    assert stored["published_version"] == 3
    assert stored["published"]["data"]["name"] == "测试回滚事项"
    assert stored["published"]["data"]["time_limit"]["promised_days"] == 5
    assert gid in search_ids(base, "测试回滚事项")
    clean(laptop)


def test_staff_is_refused_the_editor(staff_stack, laptop: Page):
    sign_in(laptop, staff_stack.knowledge_url, "staff1", next_path="/editor")
    denied = laptop.get_by_test_id("no-permission")
    expect(denied).to_contain_text("无权限")
    expect(denied).to_contain_text("坐席")
    expect(laptop.get_by_test_id("guide-list")).to_be_hidden()
    expect(laptop.get_by_test_id("nav-editor")).to_have_count(0)
    expect(laptop.get_by_test_id("nav-console")).to_be_visible()
    assert laptop.evaluate("fetch('/api/editor/guides').then(r => r.status)") == 403


def test_new_guide_from_a_knowledge_gap_link(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("faq-test-gap")
    title, alias = "测试：营业执照丢了怎么补办？", "执照丢了咋办"
    link = f"/editor?new=faq&title={quote(title)}&alias={quote(alias)}"
    sign_in(laptop, base, "editor1", next_path=quote(link, safe=""))
    expect(laptop.get_by_test_id("field-question")).to_have_value(title)
    expect(laptop.locator('[data-path="alt_questions.0"]')).to_have_value(alias)
    expect(laptop.get_by_test_id("save-draft")).to_have_text("创建草稿")

    laptop.get_by_test_id("save-draft").click()  # no id, no answer yet
    expect(laptop.locator('[data-error-for="id"]')).not_to_have_text("")
    expect(laptop.locator('[data-error-for="answer"]')).to_contain_text("不能为空")
    laptop.get_by_test_id("field-id").fill(gid)
    laptop.get_by_test_id("field-answer").fill("（测试）营业执照遗失的，可在线申请补领。")
    laptop.get_by_test_id("save-draft").click()
    expect_toast(laptop, "已创建草稿 v1")
    expect(laptop.get_by_test_id("field-id")).to_be_disabled()
    row = laptop.locator(f'[data-testid="guide-row"][data-id="{gid}"]')
    expect(row.get_by_test_id("draft-badge")).to_be_visible()
    assert re.search(rf"/editor\?id={gid}$", laptop.url)
    data = detail(api("editor1"), gid)["draft"]["data"]
    assert (data["question"], data["alt_questions"]) == (title, [alias])

    # An item link fills the name; an id that is taken is refused next to the id field.
    laptop.goto(base + f"/editor?new=item&title={quote('测试新事项')}")
    expect(laptop.get_by_test_id("field-name")).to_have_value("测试新事项")
    laptop.goto(base + f"/editor?new=faq&title={quote('重复的编号')}")
    laptop.get_by_test_id("field-id").fill(gid)
    laptop.get_by_test_id("field-answer").fill("（测试）")
    laptop.get_by_test_id("save-draft").click()
    expect(laptop.locator('[data-error-for="id"]')).to_contain_text("已被另一份指南使用")
    clean(laptop)


def test_an_editor_adds_an_industry_that_leads_to_a_route(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-industry")
    link = f"/editor?new=industry&title={quote('酸辣粉店')}&alias={quote('酸辣粉铺')}"
    sign_in(laptop, base, "editor1", next_path=quote(link, safe=""))
    expect(laptop.get_by_test_id("field-name")).to_have_value("酸辣粉店")
    expect(laptop.locator('[data-path="aliases.0"]')).to_have_value("酸辣粉铺")
    laptop.get_by_test_id("field-id").fill(gid)
    laptop.locator('[data-path="category"]').fill("餐饮")
    laptop.get_by_test_id("field-route").fill("open-ramen-bar")  # no such route
    laptop.get_by_test_id("save-draft").click()
    expect(laptop.locator('[data-error-for="route"]')).to_contain_text("行业所走的路线「open-ramen-bar」不存在")
    expect(laptop.locator('#route-ids option[value="open-restaurant"]')).to_have_count(1)  # the route picker
    laptop.get_by_test_id("field-route").fill("open-restaurant")
    laptop.get_by_test_id("save-draft").click()
    expect_toast(laptop, "已创建草稿 v1")
    expect(laptop.get_by_test_id("guide-title")).to_contain_text("酸辣粉店")
    data = detail(api("editor1"), gid)["draft"]["data"]
    assert (data["kind"], data["route"], data["aliases"], data["category"]) == (
        "industry", "open-restaurant", ["酸辣粉铺"], "餐饮")
    clean(laptop)


def test_route_steps_dependencies_and_conditions(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-route")
    create(api("editor1"), "route", new_route(gid, "测试注销路线"))
    open_editor(laptop, base, "editor1", gid)
    steps = laptop.get_by_test_id("route-step")
    expect(steps).to_have_count(4)
    expect(laptop.get_by_test_id("question")).to_have_count(2)
    # step "tax" depends on "liquidation" and applies when mode is general or simple_tax
    tax = steps.nth(1)
    expect(tax.locator('input[data-path="steps.1.depends_on"][data-value="liquidation"]')).to_be_checked()
    expect(tax.locator('select[data-type="when-q"]')).to_have_value("mode")
    expect(tax.locator('input[data-type="when-v"][data-value="general"]')).to_be_checked()
    expect(tax.locator('input[data-type="when-v"][data-value="simple"]')).not_to_be_checked()

    # liquidation → social-insurance closes a loop: the page shows it by a 前置步骤 box.
    steps.nth(0).locator('input[data-path="steps.0.depends_on"][data-value="social-insurance"]').check()
    laptop.get_by_test_id("save-draft").click()
    expect(laptop.locator('[data-error-for$=".depends_on"]').filter(has_text="循环依赖")).to_have_count(1)
    expect(laptop.get_by_test_id("error-summary")).to_contain_text("前置步骤")

    steps.nth(0).locator('input[data-path="steps.0.depends_on"][data-value="social-insurance"]').uncheck()
    # The social-insurance step now also asks for a closure mode: add a condition and tick two answers.
    steps.nth(3).get_by_role("button", name="添加条件").click()
    mode = steps.nth(3).locator('input[data-type="when-v"][data-key="mode"]')
    expect(mode.and_(laptop.locator('[data-value="simple"]'))).to_be_checked()  # a new condition starts at the first answer
    mode.and_(laptop.locator('[data-value="general"]')).check()
    # Renaming a step carries the new id into the steps that depend on it.
    laptop.locator('[data-path="steps.1.id"]').fill("clear-tax")
    laptop.locator('[data-path="steps.1.id"]').press("Tab")
    expect(laptop.locator('[data-path="steps.1.item"]')).to_be_focused()  # redrawing did not steal the focus
    expect(steps.nth(2).locator('input[data-path="steps.2.depends_on"][data-value="clear-tax"]')).to_be_checked()
    expect(steps.nth(2).locator('input[data-value="tax"]')).to_have_count(0)
    laptop.get_by_test_id("save-draft").click()
    expect_toast(laptop, "已保存草稿 v2")
    data = detail(api("editor1"), gid)["draft"]["data"]
    assert data["steps"][0]["depends_on"] == []
    assert data["steps"][3]["when"] == {"social_insurance": "yes", "mode": ["simple", "general"]}
    assert [s["id"] for s in data["steps"]] == ["liquidation", "clear-tax", "deregister", "social-insurance"]
    assert data["steps"][2]["depends_on"] == ["clear-tax"]
    clean(laptop)


def test_the_form_is_built_from_the_schema_the_server_serves(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-schema")
    create(api("editor1"), "item", new_item(gid, "测试表单事项"))
    served = api("editor1").get("/api/editor/schema").json()["kinds"]["item"]["schema"]
    promised = served["$defs"]["TimeLimit"]["properties"]["promised_days"]
    material = served["$defs"]["Material"]["properties"]

    # A title the models carry, changed on its way to the page, shows changed: the page has no copy.
    def renamed(route):
        response = route.fetch()
        body = response.json()
        body["kinds"]["item"]["schema"]["$defs"]["Place"]["properties"]["hours"]["title"] = "对外办公时间（改名测试）"
        route.fulfill(response=response, json=body)

    laptop.route("**/api/editor/schema", renamed)
    open_editor(laptop, base, "editor1", gid)
    field = laptop.locator('[data-field="time_limit.promised_days"]')
    expect(field.locator("label")).to_have_text(f"{promised['title']}（{promised['unit']}） *")
    expect(field.locator(".hint")).to_have_text(promised["description"])
    expect(laptop.locator('label[for="f-place-hours"]')).to_contain_text("对外办公时间（改名测试）")
    headers = laptop.get_by_test_id("materials-table").locator("thead th")
    expect(headers.nth(0)).to_have_text(material["name"]["title"])
    expect(headers.nth(4)).to_have_text(f"{material['deferral_days']['title']}（工作日）")
    expect(laptop.locator('[data-path="type"] option')).to_have_text(served["$defs"]["ItemType"]["enum"])
    clean(laptop)


def test_focus_stays_in_a_list_field_while_the_form_re_renders(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-typing")
    create(api("editor1"), "route", new_route(gid, "测试输入路线"))
    open_editor(laptop, base, "editor1", gid)
    step = laptop.get_by_test_id("route-step").nth(1)
    step_id = laptop.locator('[data-path="steps.1.id"]')
    step_id.click()
    step_id.press("Control+a")
    step_id.press_sequentially("clear-tax", delay=30)
    # Every keystroke re-rendered the form (the step's heading follows the id) and the input kept its focus…
    expect(step.locator(".sub-head strong")).to_have_text("步骤 2：clear-tax")
    expect(step_id).to_be_focused()
    # … and its caret: typing after Home lands at the start.
    step_id.press("Home")
    step_id.press_sequentially("x-", delay=30)
    expect(step_id).to_have_value("x-clear-tax")
    expect(step_id).to_be_focused()

    # Words separated by a comma keep what was typed until the input is left, then read as a list.
    keywords = laptop.locator('[data-path="questions.0.keywords"]')
    keywords.click()
    keywords.press("Control+a")
    keywords.press_sequentially("烟，香烟，", delay=30)
    expect(keywords).to_have_value("烟，香烟，")
    expect(keywords).to_be_focused()
    keywords.press("Tab")
    expect(keywords).to_have_value("烟、香烟")

    laptop.get_by_test_id("add-string").first.click()  # a new alias line
    alias = laptop.locator('[data-path="aliases.0"]')
    expect(alias).to_be_focused()
    alias.press_sequentially("注销公司", delay=30)
    alias.press("Home")
    alias.press_sequentially("我要", delay=30)
    expect(alias).to_have_value("我要注销公司")
    expect(alias).to_be_focused()
    laptop.get_by_test_id("save-draft").click()
    expect_toast(laptop, "已保存草稿 v2")
    data = detail(api("editor1"), gid)["draft"]["data"]
    assert data["aliases"] == ["我要注销公司"]
    assert data["questions"][0]["keywords"] == ["烟", "香烟"]
    assert [s["id"] for s in data["steps"]][1] == "x-clear-tax"
    assert data["steps"][2]["depends_on"] == ["x-clear-tax"]  # the rename reached the step that depends on it
    clean(laptop)


def test_export_and_import_zip(staff_stack, laptop: Page, api):
    base = staff_stack.knowledge_url
    gid = unique("test-import")
    create(api("editor1"), "item", new_item(gid, "测试导入事项"))
    open_editor(laptop, base, "reviewer1", gid)
    laptop.locator("#io summary").click()
    with laptop.expect_download() as info:
        laptop.get_by_test_id("export-latest").click()
    exported = zipfile.ZipFile(info.value.path())
    names = exported.namelist()
    assert f"items/{gid}.yml" in names and "items/food-business-license.yml" in names

    mine = yaml.safe_load(exported.read(f"items/{gid}.yml"))
    mine["name"] = "测试导入事项（导入修改）"
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr(f"items/{gid}.yml", yaml.safe_dump(mine, allow_unicode=True, sort_keys=False))
        zf.writestr("items/food-business-license.yml", exported.read("items/food-business-license.yml"))
    laptop.get_by_test_id("import-file").set_input_files(
        files=[{"name": "guides.zip", "mimeType": "application/zip", "buffer": upload.getvalue()}])
    laptop.get_by_test_id("import-submit").click()
    result = laptop.get_by_test_id("import-result")
    expect(laptop.get_by_test_id("import-updated")).to_have_text(f"1（{gid}）")
    expect(laptop.get_by_test_id("import-created")).to_have_text("0")
    expect(laptop.get_by_test_id("import-unchanged")).to_have_text("1（food-business-license）")
    expect(laptop.get_by_test_id("import-errors")).to_have_text("0")
    assert detail(api("editor1"), gid)["draft"]["data"]["name"] == "测试导入事项（导入修改）"

    # A broken file: nothing is imported and the problem is listed by file and field.
    mine["time_limit"]["promised_days"] = 99
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr(f"items/{gid}.yml", yaml.safe_dump(mine, allow_unicode=True, sort_keys=False))
    laptop.get_by_test_id("import-file").set_input_files(
        files=[{"name": "broken.zip", "mimeType": "application/zip", "buffer": broken.getvalue()}])
    laptop.get_by_test_id("import-submit").click()
    expect(result).to_contain_text("没有导入任何指南")
    expect(result.locator("li")).to_contain_text(f"items/{gid}.yml")
    expect(result.locator("li")).to_contain_text("不能长于法定办结时限")
    assert detail(api("editor1"), gid)["latest_version"] == 2
    clean(laptop)


def test_editor_is_readable_on_a_phone(staff_stack, phone: Page):
    base = staff_stack.knowledge_url
    open_editor(phone, base, "reviewer1", "food-business-license")
    expect(phone.get_by_test_id("guide-title")).to_contain_text("食品经营许可")
    expect(phone.get_by_test_id("materials-table")).to_be_attached()
    no_sideways_scroll(phone)
    save = phone.get_by_test_id("save-draft").bounding_box()
    assert save["x"] >= 0 and save["x"] + save["width"] <= PHONE["width"]
    # The guide list folds away on a phone once a guide is open, and comes back on demand.
    expect(phone.get_by_test_id("guide-search")).to_be_hidden()
    phone.locator("#list-toggle").click()
    expect(phone.get_by_test_id("guide-search")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "editor-phone.png"))
    clean(phone)
