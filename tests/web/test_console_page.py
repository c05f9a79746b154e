"""热线导航台 (/console) in headless Chromium against the real knowledge service (staff_stack)."""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import Page, expect

from tests.stack import Stack, password_for
from tests.web.staff_browser import (SCREENSHOTS, browser, expect_toast, laptop,  # noqa: F401 (fixtures)
                                     needs_chromium, no_sideways_scroll, phone, sign_in, unique)

pytestmark = needs_chromium
HANDOFF_REFRESH_WAIT_MS = 30_000  # the panel refreshes every 15 s; allow for a busy machine
HOSTILE = "<img src=x onerror=alert(1)>"


def caller_box(page: Page):
    return page.get_by_label("来电人说")


def plan_steps(page: Page) -> list[str]:
    return page.get_by_test_id("plan-step").locator(".step-title b").all_inner_texts()


def open_console(page: Page, base: str, username: str = "staff1") -> None:
    sign_in(page, base, username, next_path="/console")
    assert page.evaluate("location.pathname") == "/console"
    expect(page.get_by_test_id("nav-console")).to_have_attribute("aria-current", "page")
    expect(caller_box(page)).to_be_focused()


def test_staff_types_the_callers_words_and_tailors_the_plan(staff_stack: Stack, laptop: Page):
    base = staff_stack.knowledge_url
    laptop.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    open_console(laptop, base)
    suggests: list[str] = []
    laptop.on("request", lambda r: suggests.append(r.url) if "/api/console/suggest" in r.url else None)

    words = "我想开个饭店"
    caller_box(laptop).press_sequentially(words, delay=40)
    first = laptop.get_by_test_id("candidate").first
    expect(first).to_have_attribute("data-id", "open-restaurant")
    expect(first).to_contain_text("开办餐饮店")
    expect(first).to_have_attribute("aria-pressed", "true")
    expect(laptop.get_by_test_id("match")).to_have_text("匹配明确")
    expect(laptop.get_by_test_id("hint")).to_contain_text("已自动匹配：开办餐饮店")
    expect(laptop.get_by_test_id("server-ms")).to_contain_text("毫秒")
    # Typing is debounced: a request per pause, not per character.
    assert 1 <= len(suggests) < len(words), suggests
    assert parse_qs(urlparse(suggests[-1]).query)["text"] == [words]

    route = laptop.get_by_test_id("route-detail")
    expect(route.get_by_test_id("route-name")).to_have_text("开办餐饮店")
    questions = laptop.get_by_test_id("question")
    expect(questions).to_have_count(4)
    expect(laptop.locator('[data-testid=question][data-state="open"]')).to_have_count(4)
    expect(laptop.get_by_test_id("plan-status")).to_contain_text("尚有 4 个情况未确认")
    expect(laptop.get_by_test_id("pending-steps")).to_contain_text("消防安全检查")
    before = plan_steps(laptop)

    laptop.get_by_role("radio", name="个体工商户").check()
    expect(laptop.locator('[data-question="entity"][data-testid=question]')).to_have_attribute("data-state", "answered")
    expect(laptop.get_by_test_id("plan-step").first).to_contain_text("个体工商户设立登记")
    after_entity = plan_steps(laptop)
    assert after_entity != before
    # Ticking an answer pins the route: staff can go on typing without losing it.
    expect(laptop.get_by_test_id("unpin")).to_be_visible()

    laptop.get_by_role("radio", name="300平方米及以上").check()
    expect(laptop.get_by_test_id("plan-step").filter(has_text="消防安全检查")).to_have_count(1)
    laptop.get_by_role("radio", name="卖烟", exact=True).check()
    expect(laptop.get_by_test_id("plan-step").filter(has_text="烟草专卖零售许可")).to_have_count(1)
    laptop.get_by_role("radio", name="不挂").check()
    expect(laptop.get_by_test_id("plan-status")).to_have_text("已按情况定制")
    expect(laptop.get_by_test_id("pending-steps")).to_have_count(0)
    expect(laptop.get_by_test_id("plan-summary")).to_contain_text("并联办理最快约")
    expect(laptop.get_by_test_id("phase")).to_have_count(2)
    expect(laptop.get_by_test_id("phase").nth(1)).to_contain_text("可同时办理")
    expect(laptop.get_by_test_id("departments")).to_contain_text("示例市消防救援支队")
    expect(laptop.get_by_test_id("materials")).to_contain_text("第 1 步办结后取得")
    expect(laptop.get_by_test_id("deferrable")).to_contain_text("个工作日内")
    assert not any("设置大型户外广告" in s for s in plan_steps(laptop))

    # Typing more keeps the pinned route and its answers.
    caller_box(laptop).press_sequentially("，他还问办护照", delay=20)
    expect(laptop.get_by_test_id("candidate").first).not_to_have_attribute("data-id", "open-restaurant")
    expect(route.get_by_test_id("route-name")).to_have_text("开办餐饮店")
    expect(laptop.get_by_role("radio", name="300平方米及以上")).to_be_checked()

    laptop.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    laptop.screenshot(path=str(SCREENSHOTS / "console-laptop.png"), full_page=True)

    with laptop.context.expect_page() as opened:
        laptop.get_by_test_id("open-notice").click()
    sheet = opened.value
    sheet.wait_for_load_state()
    query = parse_qs(urlparse(sheet.url).query)
    assert urlparse(sheet.url).path == "/api/routes/open-restaurant/notice"
    assert query == {"entity": ["individual"], "area": ["large"], "sells_tobacco": ["yes"], "signboard": ["no"]}
    expect(sheet.locator("body")).to_contain_text("一次性告知单")
    expect(sheet.locator("body")).to_contain_text("烟草专卖零售许可")
    sheet.close()

    laptop.get_by_test_id("copy-brief").click()
    expect_toast(laptop, "已复制")
    brief = laptop.get_by_test_id("brief-text")
    expect(brief).to_be_visible()
    expect(brief).to_have_value(re.compile(r"个体工商户设立登记[\s\S]*notice\?entity=individual"))
    text = brief.input_value()
    assert len(text) <= 500 and "公众聚集场所投入使用、营业前消防安全检查" in text
    assert laptop.evaluate("navigator.clipboard.readText()") == text
    assert laptop.js_errors == [] and laptop.dialogs == []


def test_a_slow_stale_answer_never_replaces_a_newer_one(staff_stack: Stack, laptop: Page):
    open_console(laptop, staff_stack.knowledge_url)
    held = []

    def hold_the_restaurant_answer(route):
        # The real service's real answer, delivered late, as on a slow network.
        if "饭店" in parse_qs(urlparse(route.request.url).query).get("text", [""])[0] and not held:
            held.append((route, route.fetch()))
        else:
            route.continue_()

    laptop.route("**/api/console/suggest?*", hold_the_restaurant_answer)
    caller_box(laptop).fill("我想开个饭店")
    deadline = time.monotonic() + 20
    while not held and time.monotonic() < deadline:
        laptop.wait_for_timeout(100)
    assert held, "the first request never left the page"

    caller_box(laptop).fill("护照过期了怎么换")
    first = laptop.get_by_test_id("candidate").first
    expect(first).to_contain_text("护照")
    newer = first.get_attribute("data-id")
    route, response = held[0]
    route.fulfill(response=response)
    laptop.wait_for_timeout(800)
    expect(laptop.get_by_test_id("candidate").first).to_have_attribute("data-id", newer)
    expect(laptop.get_by_test_id("route-detail")).to_have_count(0)
    assert laptop.js_errors == []


def test_a_handoff_appears_with_its_transcript_and_is_marked_handled(staff_stack: Stack, laptop: Page):
    base = staff_stack.knowledge_url
    open_console(laptop, base)
    expect(laptop.get_by_test_id("handoffs-open")).to_have_attribute("aria-selected", "true")
    conversation = unique("test-console-page")
    said = f"我想开个饭店，编号{conversation[-8:]}"
    resp = staff_stack.post_event(**{
        "conversation_id": conversation, "type": "handoff", "text": "转人工", "guide_id": "open-restaurant",
        "data": {"reason": "requested", "channel": "rest", "focus": "route:open-restaurant", "transcript": [
            {"who": "市民", "text": said}, {"who": "助手", "text": "“开办餐饮店”一般涉及以下事项……"},
            {"who": "市民", "text": HOSTILE}, {"who": "市民", "text": "转人工"}]},
    })
    assert resp.status_code == 201, resp.text
    event_id = resp.json()["id"]

    # No click: the panel refreshes on its own.
    card = laptop.locator(f'[data-testid=handoff][data-id="{event_id}"]')
    expect(card).to_be_visible(timeout=HANDOFF_REFRESH_WAIT_MS)
    transcript = card.get_by_test_id("handoff-transcript")
    expect(transcript).to_contain_text(said)
    expect(transcript).to_contain_text(HOSTILE)  # markup in a citizen's message is shown as text
    assert card.locator("img").count() == 0
    expect(card).to_contain_text("网页")
    expect(card).to_contain_text("市民要求转人工")
    expect(card).to_contain_text("正在咨询：开办餐饮店")
    open_count = int(laptop.get_by_test_id("handoff-count").inner_text())
    assert open_count >= 1

    card.get_by_test_id("handoff-open-guide").click()
    expect(laptop.get_by_test_id("route-name")).to_have_text("开办餐饮店")

    card.get_by_test_id("mark-handled").click()
    expect_toast(laptop, "已标记为已处理")
    expect(card).to_have_count(0)
    with httpx.Client(base_url=base, timeout=30) as check:
        check.post("/api/auth/login", json={"username": "staff1", "password": password_for("staff1")})
        stored = next(h for h in check.get("/api/console/handoffs", params={"status": "handled"}).json()
                      if h["id"] == event_id)
    assert stored["handled_by"] == "staff1"

    laptop.get_by_test_id("handoffs-handled").click()
    done = laptop.locator(f'[data-testid=handoff][data-id="{event_id}"]')
    expect(done.get_by_test_id("handled-by")).to_contain_text(stored["handled_by_name"])
    expect(done.get_by_test_id("mark-handled")).to_have_count(0)
    assert laptop.js_errors == [] and laptop.dialogs == []


def test_an_item_and_hostile_words_on_a_phone(staff_stack: Stack, phone: Page):
    open_console(phone, staff_stack.knowledge_url)
    caller_box(phone).fill(HOSTILE)
    expect(phone.get_by_test_id("server-ms")).to_contain_text("毫秒")
    assert phone.locator("#candidates img, #detail img").count() == 0
    caller_box(phone).fill("食品经营许可要什么材料")
    item = phone.locator('[data-testid=candidate][data-id="food-business-license"]')
    item.click()
    detail = phone.get_by_test_id("item-detail")
    expect(detail.get_by_test_id("item-name")).to_have_text("食品经营许可")
    expect(detail).to_contain_text("示例市市场监督管理局")
    expect(detail.get_by_test_id("materials")).to_contain_text("食品经营许可申请书")
    expect(detail.get_by_test_id("open-notice")).to_have_attribute("href", "/api/items/food-business-license/notice")
    no_sideways_scroll(phone)
    phone.get_by_test_id("clear").click()
    expect(caller_box(phone)).to_have_value("")
    expect(phone.get_by_test_id("candidate")).to_have_count(0)
    expect(phone.get_by_test_id("item-detail")).to_have_count(0)
    assert phone.js_errors == [] and phone.dialogs == []


def test_signed_out_visitors_are_sent_to_sign_in(staff_stack: Stack, laptop: Page):
    laptop.goto(staff_stack.knowledge_url + "/console")
    laptop.wait_for_url("**/login?next=%2Fconsole")
    expect(laptop.get_by_test_id("login-submit")).to_be_visible()
