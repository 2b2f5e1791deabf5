"""忘记密码 and the login lockout in a real browser (Chromium driven by Playwright).

The reset e-mail goes through a real SMTP server on loopback and is delivered by running
the task worker; the link is taken from its body as a user would follow it.
"""

import re

import pytest
from django.core.cache import caches
from playwright.sync_api import Page, expect

from tradereg.filings.tests.factories import PASSWORD, make_filing

NEW_PASSWORD = "Reset@2026new"
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/\S+/")


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def log_in(page: Page, username: str, password: str) -> None:
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def ask_for_reset(page: Page, username: str, email: str) -> str:
    """登录应用 → 忘记密码 → 用户名 + 电子邮箱 → 提交; returns the answer shown."""
    page.goto("/")
    page.get_by_role("link", name="登录应用").first.click()
    page.get_by_role("link", name="忘记密码").click()
    expect(page.get_by_role("heading", name="忘记密码")).to_be_visible()
    field(page, "用户名").fill(username)
    field(page, "电子邮箱").fill(email)
    page.get_by_role("button", name="提交").click()
    answer = page.locator("main .card")
    expect(answer).to_contain_text("重置密码的链接已发送")
    return answer.inner_text()


@pytest.mark.browser
def test_forgotten_password_is_reset_through_the_emailed_link(
    page: Page, live_server, settings, smtp_server, tasks, screenshot
):
    caches["shared"].clear()  # the rate limit of 忘记密码 counts in the shared cache
    settings.SITE_URL = live_server.url
    email = "forgetful@example.cn"
    make_filing(username="forgetful", email=email)
    tasks()  # the welcome e-mail of the registration
    smtp_server.clear()

    # A wrong pair and an unknown user get the same answer as the right pair, and no mail.
    page.goto("/accounts/password/forgot/")
    screenshot(page, "14-forgot-password")
    wrong_email = ask_for_reset(page, "forgetful", "someone-else@example.cn")
    unknown_user = ask_for_reset(page, "nobody-here", email)
    tasks()
    assert smtp_server.messages == []
    right_pair = ask_for_reset(page, "forgetful", email)
    screenshot(page, "15-forgot-sent")
    assert wrong_email == unknown_user == right_pair
    assert smtp_server.messages == []  # delivered by the worker, not by the web request

    tasks()
    bodies = smtp_server.bodies_to(email)
    assert len(bodies) == 1
    assert PASSWORD not in bodies[0]
    links = RESET_LINK.findall(bodies[0])
    assert len(links) == 1
    link = links[0]
    assert link.startswith(live_server.url)

    # The link opens 新密码 / 确认新密码; 保存 leads to the login page.
    page.goto(link)
    expect(page.get_by_role("heading", name="重置密码")).to_be_visible()
    field(page, "新密码").fill(NEW_PASSWORD)
    field(page, "确认新密码").fill(NEW_PASSWORD)
    screenshot(page, "16-reset-password")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("密码已重置")
    expect(page.get_by_role("heading", name="登录应用")).to_be_visible()

    # The old password no longer works; the new one does.
    log_in(page, "forgetful", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    log_in(page, "forgetful", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="欢迎，forgetful")).to_be_visible()
    expect(page.get_by_role("link", name="点击进入")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录应用").first).to_be_visible()

    # The link works once.
    page.goto(link)
    expect(page.get_by_text("重置链接无效")).to_be_visible()
    expect(field(page, "新密码")).to_have_count(0)
    screenshot(page, "17-reset-link-used")


@pytest.mark.browser
def test_wrong_password_five_times_locks_the_account(page: Page, settings, screenshot):
    limit = settings.LOCKOUT_FAILURES
    assert limit == 5
    make_filing(username="careless")
    make_filing(username="careful")

    page.goto("/accounts/login/")
    for _attempt in range(limit - 1):
        log_in(page, "careless", "Wrong@2026pass")
        expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
        expect(field(page, "用户名")).to_have_value("careless")
        expect(field(page, "密码")).to_have_value("")
    log_in(page, "careless", "Wrong@2026pass")
    expect(page.get_by_role("heading", name="账号已暂时锁定")).to_be_visible()
    screenshot(page, "18-locked")

    # Locked: even the right password does not let the user in.
    page.goto("/accounts/login/")
    log_in(page, "careless", PASSWORD)
    expect(page.get_by_role("heading", name="账号已暂时锁定")).to_be_visible()
    page.goto("/my/")
    expect(page.get_by_role("heading", name="登录应用")).to_be_visible()

    # Five failures from one address lock the address too (password spraying): another
    # account is refused from this browser until the lock ends or is lifted.
    page.goto("/accounts/login/")
    log_in(page, "careful", PASSWORD)
    expect(page.get_by_role("heading", name="账号已暂时锁定")).to_be_visible()
    expect(page.get_by_text("锁定至")).to_be_visible()
