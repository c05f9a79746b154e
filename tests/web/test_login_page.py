"""The staff sign-in page in headless Chromium against the real knowledge service (staff_stack)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.web.staff_browser import (PHONE, SCREENSHOTS, browser, laptop, needs_chromium,  # noqa: F401 (fixtures)
                                     no_sideways_scroll, password_of, phone, sign_in, unique)

pytestmark = needs_chromium


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


@pytest.mark.parametrize("username, home", [
    ("staff1", "/console"), ("editor1", "/editor"), ("reviewer1", "/editor"), ("admin", "/admin/users"),
])
def test_each_role_lands_on_its_own_page(staff_stack, laptop: Page, username: str, home: str):
    sign_in(laptop, staff_stack.knowledge_url, username)
    assert path_of(laptop) == home
    me = laptop.evaluate("fetch('/api/auth/me').then(r => r.json())")  # the session cookie is set
    assert me["username"] == username


def test_wrong_password_shows_the_chinese_error_and_stays(staff_stack, laptop: Page):
    laptop.goto(staff_stack.knowledge_url + "/login")
    expect(laptop).to_have_title(re.compile("登录"))
    laptop.get_by_label("用户名").fill("editor1")
    laptop.get_by_label("密码").fill("不是这个密码")
    laptop.get_by_test_id("login-submit").click()
    error = laptop.get_by_test_id("login-error")
    expect(error).to_have_text("用户名或密码错误")
    assert path_of(laptop) == "/login"
    expect(laptop.get_by_label("密码")).to_have_value("")  # a wrong password is not left in the box
    # The right password afterwards still works (one mistake does not lock the account).
    laptop.get_by_label("密码").fill(password_of("editor1"))
    laptop.get_by_test_id("login-submit").click()
    laptop.wait_for_url(re.compile(r"/editor$"))


def test_too_many_attempts_are_refused_in_chinese(staff_stack, laptop: Page):
    name = unique("guess")  # the throttle is per user name: a fresh name keeps other tests unaffected
    laptop.goto(staff_stack.knowledge_url + "/login")
    laptop.get_by_label("用户名").fill(name)
    error = laptop.get_by_test_id("login-error")
    messages = []
    for _ in range(7):
        laptop.get_by_label("密码").fill("wrong-password")
        laptop.get_by_test_id("login-submit").click()
        expect(laptop.get_by_test_id("login-submit")).to_be_enabled()
        messages.append(error.inner_text())
    assert messages[0] == "用户名或密码错误"
    assert "过多" in messages[-1], messages


def test_a_page_sends_strangers_to_login_and_back(staff_stack, laptop: Page):
    laptop.goto(staff_stack.knowledge_url + "/editor?id=faq-rongque")
    laptop.wait_for_url(re.compile(r"/login\?next="))
    assert "next=%2Feditor%3Fid%3Dfaq-rongque" in laptop.url
    laptop.get_by_label("用户名").fill("editor1")
    laptop.get_by_label("密码").fill(password_of("editor1"))
    laptop.get_by_test_id("login-submit").click()
    laptop.wait_for_url(re.compile(r"/editor\?id=faq-rongque$"))
    expect(laptop.get_by_test_id("nav-editor")).to_have_attribute("aria-current", "page")
    expect(laptop.get_by_test_id("current-user")).to_contain_text("editor1")

    # 退出 ends the session: the editor sends the browser back to the login page.
    laptop.get_by_test_id("logout").click()
    laptop.wait_for_url(re.compile(r"/login$"))
    laptop.goto(staff_stack.knowledge_url + "/editor")
    laptop.wait_for_url(re.compile(r"/login\?next=%2Feditor$"))


def test_next_must_stay_on_this_site(staff_stack, laptop: Page):
    sign_in(laptop, staff_stack.knowledge_url, "reviewer1", next_path="//evil.example/steal")
    assert urlsplit(laptop.url).netloc == urlsplit(staff_stack.knowledge_url).netloc
    assert path_of(laptop) == "/editor"


def test_login_fits_a_phone(staff_stack, phone: Page):
    phone.goto(staff_stack.knowledge_url + "/login")
    expect(phone.get_by_test_id("login-submit")).to_be_visible()
    no_sideways_scroll(phone)
    box = phone.get_by_test_id("login-submit").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "login-phone.png"))
    assert not phone.dialogs and not phone.js_errors
