"""At 390 × 844, a phone's screen: no page scrolls sideways (WCAG 1.4.10), a wide table
scrolls inside its own box, the operator dialog fits the screen, and every button keeps
its words on one line. The public pages, the enterprise's own and the officer's."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import PASSWORD, make_filing, make_officer
from tradereg.registry.tests.helpers import published
from tradereg.regulations.models import Regulation
from tradereg.regulations.services import regulations_load

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

PHONE = {"width": 390, "height": 844}

# What overflows sideways, and which buttons break their words over lines.
LAYOUT_FAULTS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => {
      const box = el.getBoundingClientRect();
      if (!box.width || getComputedStyle(el).visibility === "hidden") return false;
      // Inside a box that scrolls by itself is fine: that is how wide tables are shown.
      for (let up = el.parentElement; up; up = up.parentElement) {
        if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) return false;
      }
      return box.right > width + 1;
    })
    .map((el) => el.tagName + (el.className ? "." + el.className : ""));
  const broken = [...document.querySelectorAll("button, .btn")]
    .filter((el) => el.offsetParent !== null && el.textContent.trim())
    .filter((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return tops.size > 1;
    })
    .map((el) => el.textContent.trim());
  return {scrollWidth: document.documentElement.scrollWidth, width, wide, broken};
}"""


@pytest.fixture
def phone(browser: Browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    yield page
    context.close()


def assert_fits(page: Page, what: str) -> None:
    faults = page.evaluate(LAYOUT_FAULTS)
    assert faults["scrollWidth"] <= faults["width"], (what, faults["wide"][:5])
    assert faults["wide"] == [], what
    assert faults["broken"] == [], what


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def test_public_pages_fit_a_phone(phone: Page, screenshot):
    for number in range(3):
        published(
            name_cn=f"手机测试国际贸易进出口有限责任公司{number}",
            name_en=f"Mobile Test International Trading Import and Export Co., Ltd. {number}",
        )
    regulations_load()
    regulation = Regulation.objects.order_by("pk").first()
    assert regulation is not None
    pages = ["/", "/print/", "/verify/", "/verify/batch/", "/regulations/", "/filing/new/"]
    for path in [*pages, regulation.get_absolute_url(), "/accounts/login/"]:
        phone.goto(path)
        assert_fits(phone, path)

    phone.goto("/operators/?q=手机测试")
    assert_fits(phone, "经营者信息查询")
    screenshot(phone, "70-phone-operators")
    phone.get_by_role("link", name="手机测试国际贸易进出口有限责任公司0").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text("Mobile Test International Trading")
    box = dialog.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"]
    assert_fits(phone, "the operator dialog")
    screenshot(phone, "71-phone-operator-dialog")


def test_the_enterprises_pages_fit_a_phone(phone: Page, screenshot):
    filing = make_filing(status=Status.RETURNED, username="phone-ent")
    log_in(phone, "phone-ent")
    for path in [
        "/my/",
        "/my/filings/",
        f"/my/filings/{filing.pk}/",
        f"/my/filings/{filing.pk}/edit/",
        f"/my/filings/{filing.pk}/history/",
    ]:
        phone.goto(path)
        assert_fits(phone, path)
    phone.goto(f"/my/filings/{filing.pk}/")
    screenshot(phone, "72-phone-filing")


def test_the_officers_pages_fit_a_phone(phone: Page, screenshot):
    filing = make_filing(status=Status.REPORTED, code="110000")
    make_officer(code="110000", username="phone-officer")
    log_in(phone, "phone-officer")
    bind_authenticator(phone)
    for path in ["/office/", f"/office/filings/{filing.pk}/", "/office/statistics/"]:
        phone.goto(path)
        assert_fits(phone, path)
    phone.goto("/office/")
    screenshot(phone, "73-phone-queue")
