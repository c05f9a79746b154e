"""导入办事指南 (/editor/import) in headless Chromium against the whole assistant (service + actions + Rasa):
upload a 实施清单 spreadsheet and a Word guide, review the drafts, publish them, and find the new guide
in the citizens' chat."""
from __future__ import annotations

import time

from playwright.sync_api import Browser, expect

from tests.knowledge.importing.import_documents import guide, guide_docx, implementation_list_xlsx
from tests.stack import ADMIN_PASSWORD
from tests.web.staff_browser import PHONE, SCREENSHOTS, browser, needs_chromium, new_context, sign_in  # noqa: F401

pytestmark = needs_chromium
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_upload_review_publish_and_ask_in_the_chat(stack, browser: Browser):
    sheet_guide = guide(name="城市养蜂蜂箱放置备案", code="T-WEB-BEE-1", type="备案", result="蜂箱放置备案回执")
    word_guide = guide(name="街头艺人表演证核发", code="T-WEB-ART-1")
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, stack.knowledge_url, "admin", ADMIN_PASSWORD, next_path="/editor/import")
    expect(page.get_by_test_id("upload-form")).to_be_visible()
    page.get_by_test_id("upload-files").set_input_files([
        {"name": "实施清单.xlsx", "mimeType": XLSX, "buffer": implementation_list_xlsx([sheet_guide])},
        {"name": "街头艺人.docx", "mimeType": DOCX, "buffer": guide_docx(word_guide)},
    ])
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("job-status")).to_have_text("已完成", timeout=60_000)
    rows = page.get_by_test_id("draft-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("file-report")).to_have_count(2)

    # Review the Word guide: recognised fields, the text kept whole, no errors.
    rows.filter(has_text="街头艺人表演证核发").get_by_role("link").click()
    detail = page.get_by_test_id("draft-detail")
    expect(detail.get_by_test_id("draft-recognised")).to_contain_text("承诺办结时限")
    expect(detail.get_by_test_id("draft-recognised")).to_contain_text("5日")
    expect(detail.get_by_test_id("draft-notes")).to_contain_text("六、监督投诉渠道")
    expect(detail.get_by_test_id("draft-errors")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "import-review.png"), full_page=True)

    chat = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    chat.goto(stack.knowledge_url + "/")
    box = chat.get_by_label("输入您想咨询的问题")
    expect(box).to_be_visible()

    page.get_by_test_id("publish-ready").click()
    expect(page.get_by_test_id("toast").filter(has_text="已发布 2 份")).to_be_visible(timeout=60_000)
    published_at = time.monotonic()
    expect(page.get_by_test_id("draft-state").filter(has_text="已发布")).to_have_count(2)

    box.fill("街头艺人表演证核发要什么材料")
    box.press("Enter")
    answer = chat.locator(".msg.bot:not(.typing) .text").filter(has_text="街头艺人表演证")
    expect(answer.first).to_be_visible(timeout=2_000)
    took = time.monotonic() - published_at
    assert took < 2.5, f"the new guide reached the chat {took:.1f}s after publishing"
    chat.screenshot(path=str(SCREENSHOTS / "import-chat.png"), full_page=True)
    chat.context.close()
    context.close()


def test_a_long_import_survives_a_reload_and_is_cancelled(staff_stack, browser: Browser):
    big = implementation_list_xlsx([guide(name=f"重载测试事项{n:04d}号", code=f"T-WEB-RELOAD-{n:04d}")
                                    for n in range(3000)], materials="cell", blank_rows=False)
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, staff_stack.knowledge_url, "editor1", next_path="/editor/import")
    page.get_by_test_id("upload-files").set_input_files([{"name": "大清单.xlsx", "mimeType": XLSX, "buffer": big}])
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("job-status")).to_have_text("进行中", timeout=20_000)
    job_url = page.url
    assert "job=" in job_url
    page.reload()  # the job goes on, and the page finds it again
    expect(page.get_by_test_id("job-status")).to_have_text("进行中", timeout=10_000)
    assert page.url == job_url
    page.get_by_test_id("job-cancel").click()
    expect(page.get_by_test_id("job-status")).to_have_text("已取消", timeout=20_000)
    expect(page.get_by_test_id("job-message")).to_contain_text("保留")
    context.close()


def test_unknown_columns_are_mapped_on_the_page(staff_stack, browser: Browser):
    sheet = implementation_list_xlsx([guide(name="映射页面测试事项", code="T-WEB-MAP-1")], extra_header="本中心事项说明")
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, staff_stack.knowledge_url, "editor1", next_path="/editor/import")
    page.get_by_test_id("upload-files").set_input_files([{"name": "映射.xlsx", "mimeType": XLSX, "buffer": sheet}])
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("job-status")).to_have_text("已完成", timeout=30_000)
    form = page.get_by_test_id("mapping-form")
    expect(form).to_contain_text("本中心事项说明")
    form.get_by_label("本中心事项说明").select_option(label="事项简介")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("mapping-form")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("job-status")).to_have_text("已完成")
    page.get_by_test_id("draft-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("draft-recognised")).to_contain_text("本中心事项说明的值1")
    # An editor may store the clean drafts, not publish them.
    expect(page.get_by_test_id("publish-ready")).to_have_count(0)
    page.get_by_test_id("store-ready").click()
    expect(page.get_by_test_id("draft-state").first).to_have_text("已存为草稿")
    context.close()
