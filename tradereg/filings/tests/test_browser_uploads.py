"""Uploads in Chromium: the limits are read before choosing a file, a hostile file is
refused beside the field with the choice of kind kept, a neutralised one is listed."""

import pytest
from playwright.sync_api import Page, expect

from tradereg.filings.tests import hostile
from tradereg.filings.tests.factories import PASSWORD, make_filing
from tradereg.filings.tests.pages import upload
from tradereg.filings.tests.test_browser import login


@pytest.fixture
def on_detail_page(page: Page):
    filing = make_filing()
    page.goto("/")
    login(page, filing.owner.username, PASSWORD)
    expect(page.get_by_role("link", name="点击进入")).to_be_visible()
    page.goto(f"/my/filings/{filing.pk}/")
    return filing


@pytest.mark.browser
def test_limits_before_uploading_and_a_script_pdf_refused_beside_the_field(
    page: Page, on_detail_page, tmp_path
):
    filing = on_detail_page
    samples = hostile.hostile_folder(tmp_path / "hostile")
    file_field = page.locator("#field-file")
    expect(file_field).to_contain_text("每个文件不超过 10 MB，每份备案最多 20 个文件、合计 50 MB")
    expect(page.locator("#upload-usage")).to_contain_text("本备案现有 0 个附件")

    upload(page, "其他材料", samples["openaction-javascript.pdf"])

    error = page.locator("form[data-upload] [data-upload-error]")
    expect(error).to_contain_text("PDF 文件含有脚本（JavaScript），不能上传")
    expect(page.get_by_label("附件类型")).to_have_value("other")
    assert not filing.attachments.exists()

    upload(page, "营业执照复印件", samples["polyglot.jpg"])

    expect(page.locator("#attachments table")).to_contain_text("polyglot.jpg")
    expect(page.locator("#upload-usage")).to_contain_text("本备案现有 1 个附件")
    stored = filing.attachments.get()
    assert stored.content_type == "image/jpeg"
    with stored.file.open("rb") as handle:
        assert hostile.HTML_PAYLOAD not in handle.read()
