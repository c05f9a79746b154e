"""The citizens' web chat in headless Chromium against the real assistant (service + actions + Rasa).

Debian's chromium is used (scripts/prepare.sh installs it); Playwright's own browser download is
never needed.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.stack import free_port, knowledge_process
from tests.web.staff_browser import PHONE, SCREENSHOTS, browser, needs_chromium  # noqa: F401 — browser is a fixture

TURN_MS = 30_000  # one Rasa turn, generous for a 2-core CI machine

pytestmark = needs_chromium


@pytest.fixture
def phone(browser: Browser):
    """A fresh phone-sized browser profile per test, so each test is a new citizen (new sender id)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    page.dialogs = []  # any alert() would mean injected script ran
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def bot_bubbles(page: Page):
    return page.locator(".msg.bot:not(.typing) .text")


def user_bubbles(page: Page):
    return page.locator(".msg.user .text")


def wait_reply(page: Page, bots_before: int) -> None:
    """Waits until the typing indicator is gone and at least one new bot message is shown."""
    expect(page.locator(".msg.typing")).to_have_count(0, timeout=TURN_MS)
    expect(bot_bubbles(page)).not_to_have_count(bots_before)
    assert bot_bubbles(page).count() > bots_before


def type_and_enter(page: Page, text: str) -> None:
    before = bot_bubbles(page).count()
    box = page.get_by_label("输入您想咨询的问题")
    box.fill(text)
    box.press("Enter")
    wait_reply(page, before)


def click_choice(page: Page, index: int = 0) -> str:
    """Clicks a choice under the latest bot answer; returns its title."""
    before = bot_bubbles(page).count()
    button = page.locator(".choices button:not([disabled])").nth(index)
    title = button.inner_text()
    button.click()
    wait_reply(page, before)
    return title


def test_phone_user_asks_about_a_restaurant_and_answers_by_buttons(stack, phone: Page):
    phone.goto(stack.knowledge_url + "/")
    expect(phone).to_have_title(re.compile("审批导航"))
    expect(phone.get_by_role("heading", name="审批导航")).to_be_visible()
    expect(phone.get_by_text("示例市政务服务中心").first).to_be_visible()
    log = phone.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(phone.get_by_role("button", name="发送")).to_be_visible()

    type_and_enter(phone, "我想开个饭店，要办哪些手续")
    expect(user_bubbles(phone).last).to_have_text("我想开个饭店，要办哪些手续")
    answer = "\n".join(bot_bubbles(phone).all_inner_texts())
    assert "餐饮" in answer
    # Multi-line answers keep their lines (pre-wrap), so numbered steps stay one per line.
    assert phone.locator(".msg.bot .bubble").nth(1).evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"

    choices = phone.locator(".choices button:not([disabled])")
    expect(choices.first).to_be_visible()
    shown_before = bot_bubbles(phone).count()
    title = click_choice(phone, 0)
    expect(user_bubbles(phone).last).to_have_text(title)
    assert bot_bubbles(phone).count() > shown_before
    # The answered question's buttons are retired; the clicked one stays marked.
    expect(phone.locator('.choices button[aria-pressed="true"]')).to_have_text(title)
    expect(phone.locator('.choices button[aria-pressed="true"]')).to_be_disabled()

    # Nothing is wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = phone.get_by_role("button", name="发送").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"]

    phone.mouse.move(0, 0)  # no hover tint in the picture
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "chat-phone.png"))

    # The same browser keeps its sender id across a reload (the conversation's focus lives in Rasa under it).
    sender = phone.evaluate("localStorage.getItem('navigator.sender')")
    assert re.fullmatch(r"web-[0-9a-f]{32}", sender)
    phone.reload()
    assert phone.evaluate("localStorage.getItem('navigator.sender')") == sender


def test_option_button_sends_payload_but_shows_title(stack, phone: Page):
    phone.goto(stack.knowledge_url + "/")
    # A vague request: the navigator offers several guides as buttons whose payload is an intent.
    type_and_enter(phone, "办个证")
    expect(phone.locator(".choices button:not([disabled])").first).to_be_visible()
    title = click_choice(phone, 0)
    expect(user_bubbles(phone).last).to_have_text(title)
    assert not any("/choose_option" in t for t in user_bubbles(phone).all_inner_texts())
    assert "没能确定" not in bot_bubbles(phone).last.inner_text()


def test_plan_links_to_the_printable_notice_in_a_new_tab(stack, phone: Page):
    phone.goto(stack.knowledge_url + "/")
    type_and_enter(phone, "我想开个饭店，要办哪些手续")
    notice = phone.locator(".msg.bot a.notice")
    # Answer the situation questions with the first option until the plan (with its notice link) arrives.
    for _ in range(8):
        if notice.count():
            break
        click_choice(phone, 0)
    expect(notice.last).to_be_visible()
    expect(notice.last).to_have_attribute("target", "_blank")
    assert "/api/routes/open-restaurant/notice" in notice.last.get_attribute("href")
    with phone.context.expect_page() as opened:
        notice.last.click()
    sheet = opened.value
    sheet.wait_for_load_state()
    expect(sheet.locator("body")).to_contain_text("一次性告知单")
    expect(sheet.locator("body")).to_contain_text("开办餐饮店")


def test_markup_in_a_message_is_shown_as_text_and_never_runs(stack, phone: Page):
    phone.goto(stack.knowledge_url + "/")
    hostile = "<img src=x onerror=alert(1)>"
    type_and_enter(phone, hostile)
    expect(user_bubbles(phone).last).to_have_text(hostile)
    assert phone.locator("#messages img").count() == 0
    assert phone.dialogs == []
    # The bot still answers politely (out of scope), and blank input sends nothing.
    assert "抱歉" in bot_bubbles(phone).last.inner_text()
    users = user_bubbles(phone).count()
    phone.get_by_label("输入您想咨询的问题").fill("   ")
    phone.get_by_role("button", name="发送").click()
    phone.wait_for_timeout(300)
    assert user_bubbles(phone).count() == users


def test_suggestion_chip_asks_for_a_person(stack, phone: Page):
    phone.goto(stack.knowledge_url + "/")
    before = bot_bubbles(phone).count()
    phone.get_by_role("button", name="转人工").click()
    wait_reply(phone, before)
    expect(user_bubbles(phone).last).to_have_text("转人工")
    expect(bot_bubbles(phone).last).to_contain_text("热线")


def test_lost_connection_shows_a_polite_error_and_retry_recovers(stack, phone: Page):
    phone.goto(stack.knowledge_url + "/")
    phone.context.set_offline(True)
    box = phone.get_by_label("输入您想咨询的问题")
    box.fill("什么是容缺受理")
    box.press("Enter")
    error = phone.locator(".msg.error")
    expect(error).to_contain_text("抱歉", timeout=TURN_MS)
    expect(error).to_have_attribute("role", "alert")
    expect(phone.get_by_role("button", name="发送")).to_be_enabled()
    phone.context.set_offline(False)
    before = bot_bubbles(phone).count()
    phone.get_by_role("button", name="重试").click()
    expect(error).to_have_count(0)
    wait_reply(phone, before - 1)  # the error bubble was removed
    expect(bot_bubbles(phone).last).to_contain_text("容缺")
    expect(user_bubbles(phone)).to_have_count(1)  # a retry does not repeat the question


@pytest.fixture(scope="module")
def service_without_rasa(tmp_path_factory):
    """A second knowledge service whose RASA_URL is a closed port: Rasa is down."""
    proc = knowledge_process(tmp_path_factory.mktemp("no-rasa"), RASA_URL=f"http://127.0.0.1:{free_port()}").start()
    try:
        proc.wait_healthy()
        yield proc.health_url.removesuffix("/healthz")
    finally:
        proc.stop()


def test_rasa_down_gives_a_polite_answer_with_the_hotline(service_without_rasa, phone: Page):
    phone.goto(service_without_rasa + "/")
    type_and_enter(phone, "我想开个饭店，要办哪些手续")
    reply = bot_bubbles(phone).last
    expect(reply).to_contain_text("抱歉，智能导航暂时无法应答")
    expect(reply).to_contain_text("热线")
    assert phone.dialogs == []
