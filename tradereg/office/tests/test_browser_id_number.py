"""查看完整证件号 in Chromium: masked on the review page, a reason asked for, the number
shown once, and the reveal in the 审计管理员's trail."""

import pytest
from playwright.sync_api import Page, expect

from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import PASSWORD, make_filing, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def test_an_officer_reveals_an_id_number_with_a_reason(page: Page, screenshot):
    filing = make_filing(status=Status.REPORTED, code="440300")
    officer = make_officer(code="440300", username="sz-reveal")
    number = filing.current_revision.id_number
    masked = filing.current_revision.masked_id_number

    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(officer.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    bind_authenticator(page)
    page.goto(f"/office/filings/{filing.pk}/")
    row = page.locator("table.compare tr").filter(has_text="有效证件号")
    expect(row).to_contain_text(masked)
    expect(page.locator("body")).not_to_contain_text(number)

    row.get_by_text("查看完整证件号", exact=True).click()
    row.get_by_role("button", name="确认查看").click()
    expect(page.get_by_text("请填写查看完整证件号的理由。")).to_be_visible()
    expect(page.locator("#id-number")).to_be_in_viewport()  # the answer lands on the row
    expect(page.locator("body")).not_to_contain_text(number)

    page.get_by_label("查看理由").fill("核对身份证复印件")
    page.get_by_role("button", name="确认查看").click()
    expect(page.locator("#id-number-full")).to_have_text(number)
    expect(page.get_by_text("本次查看已记入审计日志")).to_be_visible()
    screenshot(page, "27-id-number-revealed")
    event = AuditEvent.objects.get(event="id_number_revealed")
    assert event.data["reason"] == "核对身份证复印件"

    page.goto(f"/office/filings/{filing.pk}/")
    expect(page.locator("body")).not_to_contain_text(number)
