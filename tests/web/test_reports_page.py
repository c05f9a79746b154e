"""知识缺口与评议 (/reports) in headless Chromium against the real knowledge service (staff_stack)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.knowledge.reports.test_reports import item_data, post_event
from tests.stack import Stack, login, password_for
from tests.web.staff_browser import (SCREENSHOTS, browser, expect_toast, laptop,  # noqa: F401 (fixtures)
                                     needs_chromium, no_sideways_scroll, phone, sign_in, unique)

pytestmark = needs_chromium
REPORT_MS = 120_000  # the first gap report after start-up encodes its reference questions once

ASKED = ["借书证怎么办理", "借书证怎么办理", "借书证在哪里办"]
HOSTILE = "<img src=x onerror=alert(1)>"
UNANSWERED = "逾期不还要罚款吗"


@pytest.fixture(scope="module")
def library_card(staff_stack: Stack) -> dict:
    """A published guide of this test and citizens' questions about it that the assistant missed."""
    base = staff_stack.knowledge_url
    guide_id, title = unique("library-card"), "图书馆借书证办理（示例）"
    with login(base, "reviewer1", password_for("reviewer1")) as reviewer:
        assert reviewer.post("/api/editor/guides", json={"kind": "item", "data": item_data(guide_id, title)}
                             ).status_code == 201
        assert reviewer.post(f"/api/editor/guides/{guide_id}/publish", json={"version": 1}).status_code == 200
    run = unique("test-reports-page")
    for n, text in enumerate(ASKED):
        post_event(staff_stack, conversation_id=f"{run}-{n}", type="gap", text=text,
                   data={"reason": "no_match" if n < 2 else "ambiguous"})
    post_event(staff_stack, conversation_id=f"{run}-x", type="gap", text=HOSTILE, data={"reason": "no_match"})
    post_event(staff_stack, conversation_id=f"{run}-u", type="gap", text=UNANSWERED,
               data={"reason": "unanswered", "focus": f"item:{guide_id}"})
    for n, score in enumerate([5, 2, 4]):
        post_event(staff_stack, conversation_id=f"{run}-r{n}", type="rating", rating=score, guide_id=guide_id,
                   text=f"{score}分")
    return {"id": guide_id, "title": title}


def group_card(page: Page, question: str):
    return page.get_by_test_id("gap-group").filter(
        has=page.get_by_test_id("gap-question").get_by_text(question, exact=True))


def test_editor_adds_a_missed_question_as_an_alias(staff_stack, laptop: Page, library_card):
    base = staff_stack.knowledge_url
    sign_in(laptop, base, "editor1", next_path="/reports")
    assert laptop.evaluate("location.pathname") == "/reports"
    expect(laptop.get_by_test_id("nav-reports")).to_have_attribute("aria-current", "page")
    expect(laptop.get_by_test_id("tab-gaps")).to_have_attribute("aria-selected", "true")

    card = group_card(laptop, "借书证怎么办理")
    expect(card).to_have_count(1, timeout=REPORT_MS)
    expect(card.get_by_test_id("gap-count")).to_have_text("3 次")
    expect(card.get_by_test_id("gap-conversations")).to_have_text("3 个会话")
    expect(card.get_by_test_id("gap-reasons")).to_contain_text("找不到 2")
    expect(card.get_by_test_id("gap-reasons")).to_contain_text("多个候选 1")
    expect(card.get_by_test_id("gap-nearest")).to_contain_text(library_card["title"])
    expect(laptop.get_by_test_id("gap-summary")).to_contain_text("近 30 天")

    examples = card.get_by_test_id("gap-examples")
    expect(examples.get_by_test_id("gap-example").first).to_be_hidden()
    examples.locator("summary").click()
    expect(examples.get_by_test_id("gap-example")).to_have_count(3)
    expect(examples).to_contain_text("借书证在哪里办")

    card.get_by_test_id("gap-add-alias").click()
    result = card.get_by_test_id("gap-alias-result")
    expect(result).to_contain_text(f"已在「{library_card['title']}」的草稿（第 2 版）中加入别名「借书证怎么办理」")
    expect_toast(laptop, "已生成草稿")
    expect(card.get_by_test_id("gap-add-alias")).to_be_disabled()
    expect(result.get_by_test_id("gap-open-draft")).to_have_attribute("href", f"/editor?id={library_card['id']}")
    with login(base, "editor1", password_for("editor1")) as editor:
        guide = editor.get(f"/api/editor/guides/{library_card['id']}").json()
    assert guide["draft"]["version"] == 2 and guide["draft"]["author"] == "editor1"
    assert guide["draft"]["data"]["aliases"] == ["借书证怎么办理"]
    assert guide["published_version"] == 1  # a draft: citizens see it only after review

    # Markup in a citizen's question is shown as text.
    hostile = group_card(laptop, HOSTILE)
    expect(hostile).to_have_count(1)
    assert laptop.locator("#gap-list img").count() == 0
    assert laptop.dialogs == [] and laptop.js_errors == []
    laptop.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    laptop.screenshot(path=str(SCREENSHOTS / "reports-gaps.png"), full_page=True)


def test_a_follow_up_the_guide_did_not_answer_shows_which_guide(staff_stack, laptop: Page, library_card):
    sign_in(laptop, staff_stack.knowledge_url, "editor1", next_path="/reports")
    card = group_card(laptop, UNANSWERED)
    expect(card).to_have_count(1, timeout=REPORT_MS)
    expect(card.get_by_test_id("gap-reasons")).to_contain_text("指南没写到 1")
    card.get_by_test_id("gap-examples").locator("summary").click()
    expect(card.get_by_test_id("gap-example-about")).to_have_text(f"（追问「{library_card['title']}」）")


def test_a_second_alias_of_the_same_question_is_refused_politely(staff_stack, laptop: Page, library_card):
    sign_in(laptop, staff_stack.knowledge_url, "editor1", next_path="/reports")
    card = group_card(laptop, "借书证怎么办理")
    expect(card).to_have_count(1, timeout=REPORT_MS)
    with login(staff_stack.knowledge_url, "editor1", password_for("editor1")) as editor:
        # Already added by the test above; added here when this test runs alone.
        added = editor.post(f"/api/editor/guides/{library_card['id']}/aliases", json={"alias": "借书证怎么办理"})
        assert added.status_code in (200, 409), added.text
    card.get_by_test_id("gap-add-alias").click()
    result = card.get_by_test_id("gap-alias-result")
    expect(result).to_contain_text("未能添加")
    expect(result).to_contain_text("已是这份指南的名称或别名")
    expect(card.get_by_test_id("gap-add-alias")).to_be_disabled()


def test_new_guide_opens_the_editor_with_the_question_as_title(staff_stack, laptop: Page, library_card):
    sign_in(laptop, staff_stack.knowledge_url, "editor1", next_path="/reports")
    card = group_card(laptop, "借书证怎么办理")
    expect(card).to_have_count(1, timeout=REPORT_MS)
    card.get_by_test_id("gap-new-guide").click()
    laptop.wait_for_url(re.compile(r"/editor\?"))
    url = urlparse(laptop.url)
    assert url.path == "/editor"
    assert parse_qs(url.query) == {"new": ["item"], "title": ["借书证怎么办理"]}


def test_ratings_tab_shows_each_guide_with_a_bar_per_week(staff_stack, laptop: Page, library_card):
    sign_in(laptop, staff_stack.knowledge_url, "editor1", next_path="/reports")
    laptop.get_by_test_id("tab-ratings").click()
    expect(laptop.get_by_test_id("panel-ratings")).to_be_visible()
    expect(laptop.get_by_test_id("panel-gaps")).to_be_hidden()
    row = laptop.locator(f'[data-testid="rating-row"][data-guide="{library_card["id"]}"]')
    expect(row).to_have_count(1, timeout=REPORT_MS)
    expect(row.get_by_test_id("rating-title")).to_have_text(library_card["title"])
    expect(row.get_by_test_id("rating-count")).to_have_text("3")
    expect(row.get_by_test_id("rating-average")).to_have_text("3.67")
    expect(row.get_by_test_id("rating-low")).to_have_text("33%")
    bars = row.get_by_test_id("rating-spark").get_by_test_id("spark-bar")
    expect(bars).to_have_count(1)  # three ratings this week: one bar, the other weeks empty
    assert bars.get_attribute("data-count") == "3"
    weeks = row.locator("[data-testid=rating-spark] rect").count()
    assert 26 <= weeks <= 27  # 180 days, one per week
    overall = laptop.get_by_test_id("rating-overall")
    assert int(overall.get_by_test_id("overall-count").inner_text()) >= 3

    laptop.get_by_test_id("rating-period").select_option("month")
    expect(laptop.locator(".period-word")).to_have_text("月")
    months = row.locator("[data-testid=rating-spark] rect").count()
    assert 6 <= months <= 7  # 180 days touch six or seven calendar months
    laptop.get_by_test_id("rating-sort").select_option("average")
    averages = [float(t) for t in laptop.get_by_test_id("rating-average").all_inner_texts() if t != "—"]
    assert averages == sorted(averages)
    assert laptop.evaluate("location.hash") == "#ratings"
    laptop.reload()
    expect(laptop.get_by_test_id("tab-ratings")).to_have_attribute("aria-selected", "true")
    assert laptop.js_errors == []
    laptop.screenshot(path=str(SCREENSHOTS / "reports-ratings.png"), full_page=True)


def test_reports_on_a_phone_do_not_scroll_sideways(staff_stack, phone: Page, library_card):
    sign_in(phone, staff_stack.knowledge_url, "editor1", next_path="/reports")
    expect(group_card(phone, "借书证怎么办理")).to_have_count(1, timeout=REPORT_MS)
    no_sideways_scroll(phone)
    phone.get_by_test_id("tab-ratings").click()
    expect(phone.locator(f'[data-testid="rating-row"][data-guide="{library_card["id"]}"]')).to_have_count(1)
    no_sideways_scroll(phone)


def test_staff_without_reports_capability_sees_no_report(staff_stack, laptop: Page):
    sign_in(laptop, staff_stack.knowledge_url, "staff1", next_path="/reports")
    laptop.goto(staff_stack.knowledge_url + "/reports")
    expect(laptop.get_by_test_id("no-permission")).to_be_visible()
    expect(laptop.get_by_test_id("no-permission")).to_contain_text("无权限")
    expect(laptop.get_by_test_id("gap-group")).to_have_count(0)
    expect(laptop.get_by_test_id("nav-reports")).to_have_count(0)
