"""A form survives the end of its session, in a real browser (Chromium via Playwright).

Issue 8: "nothing typed is lost". The clerk is half-way through 编辑 when the session
runs out on the server; 保存 goes to the login page, and after logging in again the
same page shows what was typed, with 已恢复您上次填写的内容。 The warning dialog two
minutes before the idle limit is driven on the page's own clock.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from tradereg.accounts import security
from tradereg.filings.tests.factories import PASSWORD, make_filing

pytestmark = pytest.mark.browser


def log_in(page: Page, username: str) -> None:
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def idle_on_the_server(username_id: int, seconds: int) -> None:
    """Move the session's last activity into the past, as 31 quiet minutes would."""
    for row in Session.objects.all():
        store = SessionStore(session_key=row.session_key)
        if str(store.get("_auth_user_id")) == str(username_id):
            store[security.SESSION_ACTIVITY] = store[security.SESSION_ACTIVITY] - seconds
            store.save()


def test_what_was_typed_is_back_after_the_session_ended(page: Page, live_server, screenshot):
    filing = make_filing(username="typing-clerk")
    page.goto("/accounts/login/")
    log_in(page, "typing-clerk")
    page.goto(f"/my/filings/{filing.pk}/edit/")
    name = page.locator("#id_name_cn")
    remarks = page.locator("#id_remarks")
    name.fill("北京华兴进出口贸易有限公司")
    remarks.fill("经营场所已搬迁，新地址见营业执照。")

    idle_on_the_server(filing.owner_id, 31 * 60)
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(
        f"{live_server.url}/accounts/login/?next=%2Fmy%2Ffilings%2F{filing.pk}%2Fedit%2F"
    )
    expect(page.get_by_text("由于长时间未操作，您已退出登录，请重新登录。")).to_be_visible()
    filing.refresh_from_db()
    assert filing.revisions.count() == 1  # nothing was saved by the expired session

    log_in(page, "typing-clerk")
    expect(page).to_have_url(f"{live_server.url}/my/filings/{filing.pk}/edit/")
    expect(page.get_by_text("已恢复您上次填写的内容。")).to_be_visible()
    expect(name).to_have_value("北京华兴进出口贸易有限公司")
    expect(remarks).to_have_value("经营场所已搬迁，新地址见营业执照。")
    screenshot(page, "30-form-restored-after-session-end")

    # Saved now: the kept copy is gone, a later visit shows the server's values only.
    page.get_by_role("button", name="保存").click()
    expect(page).not_to_have_url(f"{live_server.url}/my/filings/{filing.pk}/edit/")
    assert filing.revisions.count() == 2
    page.goto(f"/my/filings/{filing.pk}/edit/")
    expect(page.get_by_text("已恢复您上次填写的内容。")).to_be_hidden()


def test_passwords_are_never_kept_in_the_browser(page: Page, live_server):
    filing = make_filing(username="careful-clerk")
    page.goto("/accounts/login/")
    log_in(page, "careful-clerk")
    page.goto("/accounts/password/change/")
    page.get_by_label("原密码", exact=True).fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Secret#2026new")
    page.goto(f"/my/filings/{filing.pk}/edit/")
    page.locator("#id_remarks").fill("备注")
    kept = page.evaluate("JSON.stringify(Object.assign({}, window.sessionStorage))")
    assert "备注" in kept
    assert PASSWORD not in kept
    assert "Secret#2026new" not in kept


def test_the_warning_comes_two_minutes_before_the_idle_limit(page: Page, live_server):
    filing = make_filing(username="pausing-clerk")
    page.clock.install()
    page.goto("/accounts/login/")
    log_in(page, "pausing-clerk")
    page.goto(f"/my/filings/{filing.pk}/edit/")
    dialog = page.get_by_role("dialog", name="即将退出登录")
    expect(dialog).to_be_hidden()
    page.clock.run_for("27:30")
    expect(dialog).to_be_hidden()
    page.clock.run_for("01:00")
    expect(dialog).to_be_visible()
    with page.expect_response("**/accounts/session/keepalive/") as answer:
        dialog.get_by_role("button", name="继续使用").click()
    assert answer.value.status == 200
    expect(dialog).to_be_hidden()
