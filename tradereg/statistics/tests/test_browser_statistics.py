"""统计 in Chromium, by the words on the page: an officer opens it from the office
navigation, sets 起始日期 and 截止日期, sees the chart and the table, and downloads both
exports of a table."""

import csv
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.filings.tests.factories import PASSWORD

from .history import history_build

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def test_an_officer_reads_the_statistics_and_downloads_a_table(page: Page, screenshot):
    officer = history_build().officers["440300"]
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(officer.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    bind_authenticator(page)
    page.goto("/office/")
    page.get_by_role("navigation", name="工作台").get_by_role("link", name="统计").click()
    expect(page.get_by_role("heading", name="统计", exact=True)).to_be_visible()

    page.get_by_label("起始日期").fill("2025-05-01")
    page.get_by_label("截止日期").fill("2025-03-01")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("截止日期不能早于起始日期。")).to_be_visible()
    expect(page.get_by_label("起始日期")).to_have_value("2025-05-01")

    page.get_by_label("起始日期").fill("2025-03-01")
    page.get_by_label("截止日期").fill("2025-05-31")
    page.get_by_role("button", name="查询").click()
    chart = page.get_by_role("img", name="每月办理量")
    expect(chart).to_be_visible()
    expect(chart.locator("rect title").filter(has_text="2025-03 新备案：3")).to_have_count(1)
    months = page.get_by_role("region", name="按月份")
    march = months.get_by_role("row").filter(has=page.get_by_role("rowheader", name="2025-03"))
    expect(march.get_by_role("cell")).to_have_text(["3", "0", "2", "1", "0", "5", "66.7"])
    expect(page.get_by_text("不计入新备案和审核通过")).to_be_visible()
    screenshot(page, "28-office-statistics")

    with page.expect_download() as download:
        months.get_by_role("link", name="导出 CSV").click()
    assert download.value.suggested_filename == "statistics-month-20250301-20250531.csv"
    text = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["2025-03", "3", "0", "2", "1", "0", "5", "66.7"]

    with page.expect_download() as download:
        months.get_by_role("link", name="导出 Excel").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert list(next(sheet.iter_rows(min_row=2, values_only=True))) == [
        "2025-03",
        3,
        0,
        2,
        1,
        0,
        5,
        66.7,
    ]
