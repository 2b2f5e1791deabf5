"""The public printing path in a real browser: look a form up, print one side, download
the PDFs, verify the code printed on it.

No screenshots here: docs/screenshots/40–45 show the demo data (form 00000301) with the
PDF pages of the same form, which test data would not match.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing
from tradereg.printing.tests.helpers import pdf_pages, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_print_by_number_and_code_then_verify(page: Page):
    filing = make_filing(status=Status.APPROVED)
    revision = filing.approved_revision

    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="打印登记表").click()
    page.get_by_label("登记表编号").fill(filing.form_no)
    page.get_by_label("统一社会信用代码或组织机构代码").fill(revision.uscc[8:17])
    page.get_by_role("button", name="提交").click()

    front = page.locator(".sheet.front")
    back = page.locator(".sheet.back")
    expect(front).to_contain_text(revision.name_cn)
    expect(front).to_contain_text(filing.form_no)
    expect(front).to_contain_text(revision.masked_id_number)
    expect(front).not_to_contain_text(revision.id_number)
    expect(back.locator(".clauses li")).to_have_count(6)

    # 打印正面 / 打印背面 print one side each (the dialog itself is stubbed out).
    page.evaluate("window.print = () => { window.printedWith = document.body.className; }")
    page.get_by_role("button", name="打印背面").click()
    assert "print-back" in page.evaluate("window.printedWith")
    page.emulate_media(media="print")
    expect(front).to_be_hidden()
    expect(back).to_be_visible()
    expect(page.get_by_role("navigation")).to_be_hidden()
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载正面PDF").click()
    data = Path(download.value.path()).read_bytes()
    assert len(pdf_pages(data)) == 1
    assert revision.name_cn in pdf_text(data)

    # The code under the QR code opens the verification page.
    code = front.locator(".verify-box .code").inner_text()
    page.goto("/verify/")
    page.get_by_label("核验码").fill(code.lower())
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("真实有效")
    expect(page.locator("dl.facts")).to_contain_text(revision.name_cn)


def test_wrong_code_gets_one_neutral_message(page: Page):
    filing = make_filing(status=Status.APPROVED)
    page.goto("/print/")
    page.get_by_label("登记表编号").fill(filing.form_no)
    page.get_by_label("统一社会信用代码或组织机构代码").fill("91110000600037341L")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_contain_text("未找到匹配的登记表")
    expect(page.get_by_label("登记表编号")).to_have_value(filing.form_no)


def test_blank_forms_page(page: Page):
    page.goto("/forms/blank/")
    expect(page.get_by_role("heading", name="填表说明")).to_be_visible()
    expect(page.locator(".sheet")).to_have_count(2)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载背面PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
