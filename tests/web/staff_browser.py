"""Headless Chromium for the web pages: a module-scoped browser (also used by the citizens' chat page
tests), fresh contexts, and sign-in through /login for the staff pages.

Import the fixtures into a test module (`from tests.web.staff_browser import browser, laptop, phone`).
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.stack import ADMIN_PASSWORD, ROOT, password_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 360, "height": 640}
SCREENSHOTS = ROOT / "var" / "screenshots"
WAIT_MS = 20_000  # one page action on a busy 2-core machine
expect.set_options(timeout=WAIT_MS)

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium missing: run scripts/prepare.sh")


def password_of(username: str) -> str:
    """The password tests/conftest.py's staff_stack gives each account."""
    return ADMIN_PASSWORD if username == "admin" else password_for(username)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def browser() -> Browser:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_context(browser: Browser, viewport: dict = LAPTOP) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(WAIT_MS)
    return context


def open_page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.dialogs = []  # a native alert/confirm would mean a page used one instead of its own dialog
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.js_errors = []
    page.on("pageerror", lambda err: page.js_errors.append(str(err)))
    return page


@pytest.fixture
def laptop(browser: Browser) -> Page:
    context = new_context(browser)
    yield open_page(context)
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Page:
    context = new_context(browser, PHONE)
    yield open_page(context)
    context.close()


def sign_in(page: Page, base_url: str, username: str, password: str | None = None, next_path: str = "") -> None:
    """Signs in through the login page and waits until it has moved on."""
    page.goto(base_url + "/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password if password is not None else password_of(username))
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def no_sideways_scroll(page: Page) -> None:
    """Nothing wider than the viewport: wide tables scroll inside their own box."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def expect_toast(page: Page, text: str) -> None:
    expect(page.get_by_test_id("toast").filter(has_text=text).first).to_be_visible()
