"""历史数据导入 in Chromium: the 系统管理员 uploads the register, watches the progress bar
while the worker imports it, and downloads the report; an officer finds no such page."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.filings.models import Filing
from tradereg.filings.tests.factories import PASSWORD, make_officer
from tradereg.filings.tests.legacy_files import csv_bytes, legacy_row, report_lines

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    bind_authenticator(page)


def test_the_system_admin_imports_the_register_and_downloads_the_report(
    page: Page, background_worker, tmp_path: Path, screenshot
):
    staff_user_create(username="ministry", password=PASSWORD, role=User.Role.SYSTEM_ADMIN)
    rows = [legacy_row(经营者中文名称=f"北京琉璃厂进出口有限公司{n}") for n in range(30)]
    rows[4]["邮政编码"] = "10006"
    path = tmp_path / "北京历史备案.csv"
    path.write_bytes(csv_bytes(rows, encoding="gb18030"))

    login(page, "ministry")
    page.goto("/office/")
    page.get_by_role("link", name="历史数据导入").click()
    expect(page.get_by_role("heading", name="历史数据导入")).to_be_visible()
    page.get_by_label("数据文件", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()

    expect(page.get_by_text("北京历史备案.csv")).to_be_visible()
    progress = page.locator("progress#import-progress")
    expect(page.locator('[data-import="status_label"]')).to_have_text("已完成", timeout=30_000)
    expect(progress).to_have_attribute("value", "100")
    expect(page.locator('[data-import="created"]')).to_have_text("29")
    expect(page.locator('[data-import="invalid"]')).to_have_text("1")
    screenshot(page, "50-legacy-import")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载报告（CSV）").click()
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    [line] = report_lines(saved.read_bytes().decode("utf-8"))
    assert (line["行号"], line["列"], line["说明"]) == ("6", "邮政编码", "邮政编码应为6位数字。")
    assert Filing.objects.filter(owner=None).count() == 29

    page.get_by_role("link", name="返回历史数据导入").click()
    expect(page.locator("table.list tbody tr").filter(has_text="北京历史备案.csv")).to_contain_text(
        "已完成"
    )


def test_an_officer_finds_no_import_page(page: Page):
    make_officer(code="110000", username="bj-officer")
    login(page, "bj-officer")
    expect(page.get_by_role("link", name="历史数据导入")).to_have_count(0)
    response = page.goto("/office/import/")
    assert response.status == 404
