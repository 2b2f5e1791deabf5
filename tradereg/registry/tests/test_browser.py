"""经营者信息查询 in a real browser: search, the dialog, and the same page without JS."""

import re

import pytest
from playwright.sync_api import Page, expect

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(live_server, reference_data):
    return make_filing(
        status=Status.APPROVED,
        name_cn="北京华兴进出口有限公司",
        name_en="Beijing Huaxing Import & Export Co., Ltd.",
    )


def test_search_by_name_and_open_the_dialog(page: Page, operator):
    page.goto("/operators/")
    page.get_by_label("查询条件").fill("华兴")
    page.get_by_role("button", name="查询").click()
    row = page.get_by_role("row", name=re.compile("北京华兴进出口有限公司"))
    expect(row).to_contain_text(operator.ie_code)
    expect(row).to_contain_text("已备案")
    page.get_by_role("link", name="北京华兴进出口有限公司").click()
    dialog = page.get_by_role("dialog", name="经营者备案信息")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(operator.approved_revision.uscc)
    expect(dialog).to_contain_text("北京市商务局")
    assert page.url.endswith("/operators/?q=%E5%8D%8E%E5%85%B4")  # no navigation
    dialog.get_by_role("button", name="关闭").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="北京华兴进出口有限公司")).to_be_focused()


def test_without_javascript_the_name_opens_its_page(browser, live_server, operator):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/operators/?q=" + operator.approved_revision.uscc.lower())
        page.get_by_role("link", name="北京华兴进出口有限公司").click()
        expect(page).to_have_url(re.compile(r"/operators/\d+/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("北京华兴进出口有限公司")
        expect(page.locator("dl.facts")).to_contain_text(operator.ie_code)
    finally:
        context.close()
