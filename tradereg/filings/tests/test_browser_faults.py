"""Faults survived in the browser (issue 9): two tabs saving one filing, and a double
click on 上报 or 审核通过 — one effect each, and the other tab is told what changed.

Chromium (Debian's) through Playwright against pytest-django's live server. The double
clicks run with the page's script (the button is disabled on the first submit: one
request) and without it on a slow connection (the second click goes out while the first
request is still on its way: two requests, and the server acts once).
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.audit.models import AuditEvent
from tradereg.conftest import BROWSER_TIMEOUT_MS
from tradereg.filings.models import Filing, FilingEvent, Status
from tradereg.filings.tests.factories import PASSWORD, attach_required, make_filing, make_officer
from tradereg.filings.tests.pages import posts_to
from tradereg.notifications.models import OutboundEmail

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

NEW_PHONE = "010-88886666"
NEW_RESIDENCE = "北京市海淀区中关村大街1号"


@pytest.fixture
def context_for(browser: Browser, live_server):
    """``context_for(javascript=True)``: a new browser context (its own cookies)."""
    contexts = []

    def open_context(*, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            java_script_enabled=javascript,
        )
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    field(page, "用户名").fill(username)
    field(page, "密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_have_count(0)


def click(page: Page, name: str, *, javascript: bool, path: str) -> list:
    """A double click on the button ``name``; returns the POSTs to ``path`` (count them
    once the page has answered).

    Without the script the first request is held back until the second click has been
    made, as on a slow connection, then both go on to the server.
    """
    button = page.get_by_role("button", name=name, exact=True)
    posts = posts_to(page, path)
    if javascript:
        button.dblclick()
        return posts
    held: list = []
    page.route(re.compile(rf"{re.escape(path)}$"), lambda route: held.append(route))
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    button.click(no_wait_after=True)
    for _ in range(250):
        if held:
            break
        page.wait_for_timeout(20)
    # The old page is still shown: the second click goes to where the button is.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(250):
        if len(held) == 2:
            break
        page.wait_for_timeout(20)
    for route in held:
        route.continue_()
    return posts


def test_two_tabs_saving_one_filing_the_second_is_told_and_keeps_both(context_for):
    filing = make_filing()
    context = context_for()
    first = context.new_page()
    login(first, filing.owner.username)
    second = context.new_page()  # the same session, another tab
    edit = f"/my/filings/{filing.pk}/edit/"
    first.goto(edit)
    second.goto(edit)

    field(first, "联系电话").fill(NEW_PHONE)
    first.get_by_role("button", name="保存", exact=True).click()
    expect(first.locator(".messages .message.success")).to_contain_text("已保存")

    field(second, "住所").fill(NEW_RESIDENCE)
    second.get_by_role("button", name="保存", exact=True).click()
    notice = second.locator("#concurrent-save")
    expect(notice).to_contain_text("该备案已被另一次保存修改（现为第2版），本次填写的内容尚未保存")
    expect(notice).to_contain_text("已填入下方：联系电话")
    expect(field(second, "住所")).to_have_value(NEW_RESIDENCE)  # what this tab typed
    expect(field(second, "联系电话")).to_have_value(NEW_PHONE)  # what the other tab saved
    filing.refresh_from_db()
    assert filing.revisions.count() == 2
    assert filing.current_revision.phone == NEW_PHONE

    second.get_by_role("button", name="保存", exact=True).click()
    expect(second.locator(".messages .message.success")).to_contain_text("已保存")
    filing.refresh_from_db()
    latest = filing.current_revision
    assert (latest.number, latest.phone, latest.residence) == (3, NEW_PHONE, NEW_RESIDENCE)
    assert filing.revisions.get(number=2).residence != NEW_RESIDENCE  # each save on record


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_double_click_on_report_reports_once(context_for, javascript):
    filing = make_filing()
    attach_required(filing)
    page = context_for(javascript=javascript).new_page()
    login(page, filing.owner.username)
    page.goto(f"/my/filings/{filing.pk}/")
    mail_before = OutboundEmail.objects.count()

    sent = click(page, "上报", javascript=javascript, path=f"/my/filings/{filing.pk}/report/")

    expect(page.locator(".messages .message.success").first).to_contain_text("已上报")
    assert len(sent) == (1 if javascript else 2)
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert FilingEvent.objects.filter(filing=filing, kind=FilingEvent.Kind.REPORTED).count() == 1
    assert AuditEvent.objects.filter(filing=filing, event="filing_reported").count() == 1
    assert OutboundEmail.objects.count() == mail_before  # 上报 sends none, twice or once


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_officer_double_click_on_approve_approves_once(context_for, javascript):
    filing = make_filing(status=Status.REPORTED)
    officer = make_officer(username=f"approver-{'js' if javascript else 'plain'}")
    page = context_for(javascript=javascript).new_page()
    login(page, officer.username)
    bind_authenticator(page)  # staff bind an authenticator on their first login
    page.goto(f"/office/filings/{filing.pk}/")

    path = f"/office/filings/{filing.pk}/approve/"
    sent = click(page, "审核通过", javascript=javascript, path=path)

    expect(page.locator("h1 .status")).to_have_text("已审核，可变更")
    assert len(sent) == (1 if javascript else 2)
    filing = Filing.objects.get(pk=filing.pk)
    assert filing.status == Status.APPROVED
    assert FilingEvent.objects.filter(filing=filing, kind=FilingEvent.Kind.APPROVED).count() == 1
    assert AuditEvent.objects.filter(filing=filing, event="filing_approved").count() == 1
    approved_mail = OutboundEmail.objects.filter(template="filings/emails/filing_approved")
    assert approved_mail.count() == 1
    assert re.fullmatch(r"\d{8}", filing.form_no)
    expect(page.locator(".messages .message.success")).to_contain_text("已审核通过")
