"""用户管理 (/admin/users) in headless Chromium against the real knowledge service (staff_stack)."""
from __future__ import annotations


from playwright.sync_api import Browser, Page, expect

from tests.web.staff_browser import (PHONE, SCREENSHOTS, browser, expect_toast, laptop,  # noqa: F401 (fixtures)
                                     needs_chromium, new_context, no_sideways_scroll, open_page, phone, sign_in,
                                     unique)

pytestmark = needs_chromium


def user_row(page: Page, username: str):
    return page.locator(f'tr[data-testid="user-row"][data-username="{username}"]')


def try_sign_in(browser: Browser, base_url: str, username: str, password: str) -> tuple[str, str]:
    """Signs in in a fresh browser profile; returns (path after sign-in, error text shown if any)."""
    context = new_context(browser)
    try:
        page = open_page(context)
        page.goto(base_url + "/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_test_id("login-submit").click()
        error = page.get_by_test_id("login-error")
        page.wait_for_function("() => !location.pathname.startsWith('/login') || "
                               "!document.querySelector('[data-testid=login-error]').hidden")
        path = page.evaluate("location.pathname")
        return path, (error.inner_text() if path == "/login" else "")
    finally:
        context.close()


def create_user(page: Page, username: str, display_name: str, role: str, password: str) -> None:
    page.get_by_test_id("new-username").fill(username)
    page.get_by_test_id("new-display-name").fill(display_name)
    page.get_by_test_id("new-role").select_option(role)
    page.get_by_test_id("new-password").fill(password)
    page.get_by_test_id("create-user").click()
    expect(user_row(page, username)).to_be_visible()


def test_admin_creates_a_user_who_can_then_sign_in(staff_stack, browser: Browser, laptop: Page):
    base = staff_stack.knowledge_url
    sign_in(laptop, base, "admin")
    assert laptop.evaluate("location.pathname") == "/admin/users"
    expect(laptop.get_by_test_id("nav-users")).to_have_attribute("aria-current", "page")
    expect(user_row(laptop, "editor1")).to_be_visible()

    name = unique("wang").replace("-", "_")
    create_user(laptop, name, "王编辑", "editor", "初始-口令-2026")
    expect_toast(laptop, f"已创建账号 {name}")
    row = user_row(laptop, name)
    expect(row).to_contain_text("王编辑")
    expect(row.get_by_test_id("role-select")).to_have_value("editor")
    expect(row).to_contain_text("启用")

    assert try_sign_in(browser, base, name, "初始-口令-2026") == ("/editor", "")


def test_admin_changes_role_resets_password_and_deactivates(staff_stack, browser: Browser, laptop: Page):
    base = staff_stack.knowledge_url
    name = unique("li").replace("-", "_")
    sign_in(laptop, base, "admin")
    create_user(laptop, name, "李坐席", "editor", "first-口令-4817")

    row = user_row(laptop, name)
    row.get_by_test_id("role-select").select_option("staff")
    expect_toast(laptop, "角色改为坐席")
    laptop.reload()
    expect(user_row(laptop, name).get_by_test_id("role-select")).to_have_value("staff")
    assert try_sign_in(browser, base, name, "first-口令-4817") == ("/console", "")

    user_row(laptop, name).get_by_test_id("reset-password").click()
    laptop.get_by_test_id("reset-password-input").fill("short")
    laptop.get_by_test_id("reset-password-save").click()
    expect_toast(laptop, "至少 8 个字符")  # checked in the page, in Chinese, before the server's rule
    laptop.get_by_test_id("reset-password-input").fill("second-口令-5293")
    laptop.get_by_test_id("reset-password-save").click()
    expect_toast(laptop, f"已重置 {name} 的密码")
    assert try_sign_in(browser, base, name, "first-口令-4817") == ("/login", "用户名或密码错误")
    assert try_sign_in(browser, base, name, "second-口令-5293") == ("/console", "")

    user_row(laptop, name).get_by_test_id("deactivate").click()
    expect(user_row(laptop, name)).to_contain_text("已停用")
    expect(user_row(laptop, name).get_by_test_id("activate")).to_be_visible()
    assert try_sign_in(browser, base, name, "second-口令-5293") == ("/login", "用户名或密码错误")

    # The admin cannot switch themself off from this page.
    expect(user_row(laptop, "admin").get_by_test_id("deactivate")).to_be_disabled()
    assert not laptop.dialogs and not laptop.js_errors


def test_bad_new_account_is_explained_in_chinese(staff_stack, laptop: Page):
    sign_in(laptop, staff_stack.knowledge_url, "admin")
    laptop.get_by_test_id("new-username").fill("editor1")
    laptop.get_by_test_id("new-password").fill("long-enough-口令")
    laptop.get_by_test_id("create-user").click()
    expect(laptop.get_by_test_id("create-error")).to_contain_text("已存在")  # the server's 409, shown as sent
    laptop.get_by_test_id("new-username").fill("张三")
    laptop.get_by_test_id("create-user").click()
    expect(laptop.get_by_test_id("create-error")).to_contain_text("用户名须为")


def test_only_admins_may_manage_users(staff_stack, laptop: Page):
    sign_in(laptop, staff_stack.knowledge_url, "reviewer1", next_path="/admin/users")
    assert laptop.evaluate("location.pathname") == "/admin/users"
    denied = laptop.get_by_test_id("no-permission")
    expect(denied).to_contain_text("无权限")
    expect(denied).to_contain_text("审核员")
    expect(laptop.get_by_test_id("users-table")).to_be_hidden()
    expect(laptop.get_by_test_id("nav-users")).to_have_count(0)
    # The page hides the tools, but the server is the guard: the API refuses the reviewer too.
    status = laptop.evaluate("fetch('/api/users').then(r => r.status)")
    assert status == 403


def test_users_page_is_readable_on_a_phone(staff_stack, phone: Page):
    sign_in(phone, staff_stack.knowledge_url, "admin")
    expect(user_row(phone, "admin")).to_be_visible()
    no_sideways_scroll(phone)
    box = phone.get_by_test_id("create-user").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "users-phone.png"), full_page=True)
