"""接口密钥 in Chromium: the 系统管理员 issues a key (shown once), the key reads the API,
the 系统管理员 revokes it and the API refuses it; the API's docs page works offline."""

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tradereg.office.tests.test_browser_import import login

from .helpers import system_admin

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def test_the_system_admin_issues_and_revokes_a_key(page: Page):
    system_admin()
    login(page, "ministry")
    page.goto("/office/api-keys/")
    expect(page.get_by_role("heading", name="接口密钥", exact=True)).to_be_visible()
    page.get_by_role("button", name="签发", exact=True).click()
    expect(page.get_by_text("请填写名称。")).to_be_visible()
    expect(page.get_by_text("请至少选择一项权限范围。")).to_be_visible()

    page.get_by_label("名称", exact=True).fill("某银行 客户准入核验")
    page.get_by_label("查询与核验", exact=True).check()
    page.get_by_role("button", name="签发", exact=True).click()
    key = page.get_by_label("密钥", exact=True).input_value()
    assert key.startswith("trk_")
    assert Client().get("/api/v1/verify/0000000000", HTTP_X_API_KEY=key).status_code == 404

    row = page.locator("table.api-keys tbody tr").filter(has_text="某银行 客户准入核验")
    expect(row).to_contain_text("有效")
    page.goto("/office/api-keys/")
    expect(page.get_by_label("密钥", exact=True)).to_have_count(0)
    row.get_by_role("button", name="吊销某银行 客户准入核验").click()
    expect(page.get_by_text("接口密钥“某银行 客户准入核验”已吊销。")).to_be_visible()
    expect(row).to_contain_text("已吊销")
    assert Client().get("/api/v1/verify/0000000000", HTTP_X_API_KEY=key).status_code == 401


def test_the_api_docs_render_from_our_own_files(page: Page, live_server):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto("/api/v1/docs")
    expect(page.get_by_text("/api/v1/operators/{ie_code}")).to_be_visible()
    assert not [url for url in outside if not url.startswith("data:")]
