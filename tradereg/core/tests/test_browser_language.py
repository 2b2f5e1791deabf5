"""中文 / English in a real browser: the switch on the home page changes the language,
the choice outlives a reload and a new page, and switches back."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def test_switch_to_english_is_remembered_then_back_to_chinese(page: Page):
    page.goto("/")
    nav = page.get_by_role("navigation")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(nav.get_by_role("link", name="备案登记")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="File a registration")).to_be_visible()
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Log in to the application")).to_be_visible()
    expect(page).to_have_title("Foreign Trade Operator Filing Registration System")

    page.reload()
    expect(nav.get_by_role("link", name="File a registration")).to_be_visible()
    nav.get_by_role("link", name="Laws and regulations").click()
    expect(page).to_have_title(
        "Laws and regulations – Foreign Trade Operator Filing Registration System"
    )

    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(re.compile(r"/regulations/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(nav.get_by_role("link", name="法律法规")).to_be_visible()
    page.reload()
    expect(nav.get_by_role("link", name="备案登记")).to_be_visible()
