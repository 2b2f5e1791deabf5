"""Binding an authenticator and logging in with it, in Chromium, as staff would: read the
key shown as 密钥, compute the code as the phone's app does, type it into 动态验证码."""

import re

import pytest
from playwright.sync_api import Page, expect

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.totp import bind_authenticator, enter_code
from tradereg.filings.tests.factories import PASSWORD, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def log_out(page: Page) -> None:
    page.goto("/")  # the site's own header (the admin has its own)
    page.get_by_role("button", name="退出").first.click()
    expect(page.get_by_role("link", name="登录应用").first).to_be_visible()


def test_an_officer_binds_then_logs_in_with_the_code(page: Page, screenshot):
    make_officer(username="sz-2fa", code="440300")
    log_in(page, "sz-2fa")
    # Before binding nothing else opens.
    page.goto("/office/")
    expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    expect(page.locator("figure.otp-qr svg")).to_be_visible()
    key = bind_authenticator(page, screenshot, "60-otp-bind")
    expect(page.get_by_role("heading", name="审核队列")).to_be_visible()
    log_out(page)

    log_in(page, "sz-2fa")
    expect(page.get_by_label("动态验证码", exact=True)).to_be_visible()
    screenshot(page, "61-otp-verify")
    page.get_by_label("动态验证码", exact=True).fill("000000")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_text("动态验证码不正确或已使用过")).to_be_visible()
    enter_code(page, key)
    expect(page.get_by_role("heading", name="审核队列")).to_be_visible()


def test_a_system_admin_binds_and_reaches_the_admin_site(page: Page):
    staff_user_create(username="mofcom-2fa", password=PASSWORD, role=User.Role.SYSTEM_ADMIN)
    log_in(page, "mofcom-2fa")
    key = bind_authenticator(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name, #content h1").first).to_be_visible()
    log_out(page)
    log_in(page, "mofcom-2fa")
    enter_code(page, key)
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_an_auditor_binds_and_reaches_the_audit_trail(page: Page):
    staff_user_create(username="auditor-2fa", password=PASSWORD, role=User.Role.AUDITOR)
    log_in(page, "auditor-2fa")
    key = bind_authenticator(page)
    expect(page).to_have_url(re.compile(r"/audit/$"))
    log_out(page)
    log_in(page, "auditor-2fa")
    enter_code(page, key)
    expect(page).to_have_url(re.compile(r"/audit/$"))
    expect(page.get_by_role("heading", name="审计记录")).to_be_visible()
