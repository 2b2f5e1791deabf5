"""A bank checks a form it was e-mailed: it uploads the PDF to /verify/ and reads that the
signature is intact, who signed it and that the form is current."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_a_printed_form_and_read_its_signature(page: Page, tmp_path):
    filing = make_filing(status=Status.APPROVED)
    revision = filing.approved_revision

    page.goto("/print/")
    page.get_by_label("登记表编号").fill(filing.form_no)
    page.get_by_label("统一社会信用代码或组织机构代码").fill(revision.uscc)
    page.get_by_role("button", name="提交").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载正面PDF").click()
    pdf = tmp_path / "登记表.pdf"
    pdf.write_bytes(Path(download.value.path()).read_bytes())

    page.goto("/verify/")
    page.get_by_label("上传登记表PDF核验").set_input_files(pdf)
    page.get_by_role("button", name="核验PDF").click()
    signature = page.locator("#signature")
    expect(signature.get_by_role("status")).to_contain_text("签名有效")
    expect(signature).to_contain_text(revision.authority.name)
    expect(signature).to_contain_text("该登记表为当前有效版本")


def test_upload_something_else_is_told_why_beside_the_field(page: Page, tmp_path):
    other = tmp_path / "scan.pdf"
    other.write_bytes(b"not a pdf at all")
    page.goto("/verify/")
    page.get_by_label("上传登记表PDF核验").set_input_files(other)
    page.get_by_role("button", name="核验PDF").click()
    expect(page.locator("#field-pdf .error")).to_contain_text("不是PDF")
    expect(page.get_by_role("alert")).to_be_visible()
