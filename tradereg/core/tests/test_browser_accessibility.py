"""axe-core finds no serious or critical violation on the pages of each journey, in
Chinese and in English, on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tradereg.accounts.tests.totp import totp_code
from tradereg.core.tests.a11y import axe_violations
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import PASSWORD, make_filing, make_officer
from tradereg.registry.tests.helpers import published
from tradereg.regulations.models import Regulation
from tradereg.regulations.services import regulations_load

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}


@pytest.fixture(params=[(lang, size) for lang in LANGUAGES for size in SIZES], ids="-".join)
def visitor(request, browser: Browser, live_server):
    """A browser whose language (Accept-Language) and screen are the parameter's."""
    lang, size = request.param
    context = browser.new_context(
        base_url=live_server.url,
        viewport=SIZES[size],
        locale=LANGUAGES[lang],
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page: Page, what: str) -> None:
    assert axe_violations(page) == [], what


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_public_pages(visitor: Page):
    operator = published(name_cn="无障碍测试进出口有限公司", name_en="Access Test Co., Ltd.")
    regulations_load()
    regulation = Regulation.objects.order_by("pk").first()
    assert regulation is not None
    for path in [
        "/",
        "/operators/",
        "/operators/?q=无障碍",
        f"/operators/{operator.pk}/",
        "/print/",
        "/verify/",
        "/verify/batch/",
        "/forms/blank/",
        "/regulations/",
        regulation.get_absolute_url(),
        "/filing/new/",
        "/accounts/login/",
        "/accounts/password/forgot/",
    ]:
        visitor.goto(path)
        assert_accessible(visitor, path)
    visitor.goto("/operators/?q=无障碍")
    visitor.locator("table.operators a[data-operator-open]").first.click()
    expect(visitor.locator("dialog[open]")).to_contain_text("Access Test Co., Ltd.")
    assert_accessible(visitor, "the operator dialog")


def test_the_enterprises_pages(visitor: Page):
    filing = make_filing(status=Status.RETURNED)
    log_in(visitor, filing.owner.username)
    expect(visitor).not_to_have_url("/accounts/login/")
    for path in [
        "/my/",
        "/my/filings/",
        f"/my/filings/{filing.pk}/",
        f"/my/filings/{filing.pk}/edit/",
        f"/my/filings/{filing.pk}/history/",
        "/accounts/password/change/",
    ]:
        visitor.goto(path)
        assert_accessible(visitor, path)


def test_the_officers_pages(visitor: Page):
    filing = make_filing(status=Status.REPORTED, code="110000")
    officer = make_officer(code="110000")
    log_in(visitor, officer.username)
    key = visitor.locator("#otp-key")
    expect(key).to_be_visible()
    assert_accessible(visitor, "binding the authenticator")
    visitor.locator("#id_token").fill(totp_code(key.inner_text()))
    visitor.locator("main form button[type=submit]").click()
    expect(visitor.locator("ol.recovery-codes li")).to_have_count(10)
    assert_accessible(visitor, "the recovery codes")
    visitor.locator("main a.btn").click()
    expect(visitor).to_have_url(re.compile(r"/office/"))
    for path in [
        "/office/",
        f"/office/filings/{filing.pk}/",
        "/office/accounts/",
        "/office/statistics/",
    ]:
        visitor.goto(path)
        assert_accessible(visitor, path)
