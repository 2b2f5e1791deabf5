"""法律法规 from the home page's left navigation, as a visitor reads it."""

import pytest
from playwright.sync_api import Page, expect

from tradereg.regulations.services import regulations_load

pytestmark = pytest.mark.browser


@pytest.fixture
def regulations(live_server, reference_data):
    regulations_load()


def test_read_a_regulation_from_the_home_page(page: Page, regulations):
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="法律法规").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("法律法规")
    page.get_by_role("link", name="对外贸易经营者备案登记办法").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("对外贸易经营者备案登记办法")
    expect(page.locator("main")).to_contain_text("商务部令2004年第14号")
