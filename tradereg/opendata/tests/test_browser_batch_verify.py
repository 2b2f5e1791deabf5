"""A bank checks a list of its customers at /verify/batch/ in Chromium: it uploads a CSV,
reads each row's result, downloads the table and the signed receipt, and checks the
receipt with the published key as docs/api.md shows."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing
from tradereg.registry.models import PublishedForm

from .test_batch_verify import docs_snippet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_keys(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def test_upload_a_list_read_the_table_and_download_the_receipt(page: Page, tmp_path):
    filing = make_filing(status=Status.APPROVED, name_cn="北京华兴进出口有限公司")
    code = PublishedForm.objects.get(filing_id=filing.pk).code
    uploaded = f"代码\n{code.lower()}\n{filing.ie_code}\n1100999999999\n".encode("gb18030")
    codes = tmp_path / "客户名单.csv"
    codes.write_bytes(uploaded)

    page.goto("/verify/")
    page.get_by_role("link", name="批量核验").click()
    expect(page.get_by_role("heading", name="批量核验", exact=True)).to_be_visible()
    page.get_by_role("button", name="批量核验").click()
    expect(page.locator("#field-file .error")).to_contain_text("请选择要核验的CSV文件")

    page.get_by_label("核验文件").set_input_files(codes)
    page.get_by_role("button", name="批量核验").click()
    result = page.locator("#batch-result")
    expect(result.get_by_role("status")).to_contain_text(
        "共 3 条，有效 2 条，已被变更取代 0 条，已注销 0 条，未找到 1 条"
    )
    rows = result.get_by_role("row")
    expect(rows).to_have_count(4)
    expect(rows.nth(1)).to_contain_text("核验码")
    expect(rows.nth(1)).to_contain_text("有效")
    expect(rows.nth(1)).to_contain_text("北京华兴进出口有限公司")
    expect(rows.nth(2)).to_contain_text("已备案")
    expect(rows.nth(3)).to_contain_text("未找到")

    with page.expect_download() as table_download:
        page.get_by_role("link", name="下载结果").click()
    table = Path(table_download.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(table)))
    assert lines[0][:5] == ["行号", "输入", "代码", "类型", "结果"]
    assert [line[4] for line in lines[1:]] == ["有效", "已备案", "未找到"]

    receipt_section = page.locator("#batch-receipt")
    expect(receipt_section).to_contain_text("核验回执")
    with page.expect_download() as receipt_download:
        page.get_by_role("link", name="下载回执").click()
    assert receipt_download.value.suggested_filename.endswith(".json")
    document = json.loads(Path(receipt_download.value.path()).read_text(encoding="utf-8"))
    expect(receipt_section).to_contain_text(document["receipt"]["signature"])
    keys = Client().get("/api/v1/keys").json()
    checks = docs_snippet()["receipt_checks"]
    assert checks(document, keys, uploaded)
    document["rows"][2]["status"] = "approved"
    assert not checks(document, keys, uploaded)


def test_a_file_of_the_wrong_kind_is_told_why_beside_the_field(page: Page, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7\n")
    page.goto("/verify/batch/")
    page.get_by_label("核验文件").set_input_files(scan)
    page.get_by_role("button", name="批量核验").click()
    expect(page.locator("#field-file .error")).to_contain_text("请上传CSV文件")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#batch-result")).to_have_count(0)
