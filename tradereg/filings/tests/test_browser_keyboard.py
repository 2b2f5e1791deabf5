"""备案登记 from the home page to 上报 with the keyboard alone: Tab to each control (its
focus ring visible), Enter and Space to press, arrows to choose, the authority dialog
holding focus while open, Escape closing it and focus coming back to 【选择】.

Files are chosen through the file input itself (the operating system's file dialog is
no part of the page); everything else is key presses.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tradereg.filings.models import Filing, Status
from tradereg.filings.tests.test_browser import SELECTED, pdf_file, typed_values

pytestmark = pytest.mark.browser

MAX_TABS = 150

# What the focused element is called: its label, its aria-label or its text.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: "", ring: false, tag: ""};
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const name = (label || el.getAttribute("aria-label") || el.innerText || el.value || "")
    .replace(/[*\\s]+$/, "").trim();
  const style = getComputedStyle(el);
  return {name, ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
          tag: el.tagName, type: el.type || ""};
}"""


def tab_to(page: Page, name: str, *, backwards: bool = False) -> None:
    """Press Tab until the focused control is called ``name``; its focus ring must show."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused["name"] == name:
            assert focused["ring"], f"no visible focus on {name}"
            return
    raise AssertionError(f"Tab never reached {name!r}")


def type_into(page: Page, name: str, value: str) -> None:
    tab_to(page, name)
    if page.evaluate(FOCUSED)["type"] == "date":
        # A date box takes its parts as digits in the order the browser shows them
        # (Chromium follows the system's locale, not the page's): month first, or year.
        year, month, day = value.split("-")
        # Two digits of a month or day move on by themselves; a year (up to six digits)
        # needs the arrow.
        for keys in ((month, day, year), (year, "ArrowRight", month, day)):
            for key in keys:
                if key == "ArrowRight":
                    page.keyboard.press(key)
                else:
                    page.keyboard.type(key)
            if page.evaluate("document.activeElement.value") == value:
                return
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")
        raise AssertionError(f"the date box of {name} would not take {value}")
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def choose(page: Page, name: str, option: str) -> None:
    """A closed select: arrow down until ``option`` is the chosen one."""
    tab_to(page, name)
    for _ in range(40):
        if page.evaluate("document.activeElement.selectedOptions[0].text") == option:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{option!r} is not among the options of {name}")


def test_a_filing_from_the_home_page_to_reported_by_keyboard(page: Page, tmp_path):
    values = typed_values(7)
    page.goto("/")

    tab_to(page, "备案登记")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/filing/new/$"))
    page.wait_for_function("document.readyState === 'complete'")  # its script is in

    # The authority dialog: opened with Enter, focus inside and kept there, Escape closes
    # it and 【选择】 has focus again.
    tab_to(page, "选择")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="选择备案登记机关")
    expect(dialog).to_be_visible()
    for _ in range(25):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.querySelector('dialog[open]').contains(document.activeElement)"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate(FOCUSED)["name"] == "选择"

    # Space opens it again; type, Enter goes to the first result, Enter picks it.
    page.keyboard.press("Space")
    expect(dialog).to_be_visible()
    page.keyboard.type("北京市商务局")
    expect(dialog.get_by_role("button", name="北京市商务局")).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["name"].startswith("北京市商务局")  # its region follows
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("备案登记机关", exact=True)).to_have_value("北京市商务局")
    assert page.evaluate(FOCUSED)["name"] == "选择"

    # The kind of code: Space chooses, arrows move the choice within the group.
    tab_to(page, "统一社会信用代码")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="其他")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="统一社会信用代码")).to_be_checked()
    tab_to(page, "提交")
    page.keyboard.press("Enter")
    expect(page.get_by_label("用户名", exact=True)).to_be_visible()

    # Step 3: every field reached and typed by keyboard.
    for label, value in values.items():
        type_into(page, label, value)
    type_into(page, "密码", "Keys@2026board")
    type_into(page, "确认密码", "Keys@2026board")
    for label, option in SELECTED.items():
        choose(page, label, option)
    tab_to(page, "保存")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="保存成功")).to_be_visible()
    filing = Filing.objects.get(owner__username=values["用户名"])

    # Log in, open the filing, attach both files and report it.
    tab_to(page, "登录应用")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="登录应用")).to_be_visible()
    type_into(page, "用户名", values["用户名"])
    type_into(page, "密码", "Keys@2026board")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="点击进入")).to_be_visible()
    tab_to(page, "点击进入")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=values["经营者中文名称"])).to_be_visible()
    tab_to(page, values["经营者中文名称"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/my/filings/{filing.pk}/$"))
    for kind, name in (("备案登记表扫描件", "signed.pdf"), ("营业执照复印件", "licence.pdf")):
        choose(page, "附件类型", kind)
        page.get_by_label("选择文件").set_input_files(pdf_file(tmp_path, name))
        tab_to(page, "上传")
        page.keyboard.press("Enter")
        expect(page.get_by_text(name)).to_be_visible()
        page.wait_for_function("document.readyState === 'complete'")
    tab_to(page, "上报")
    page.keyboard.press("Enter")
    expect(page.get_by_text("已上报")).to_be_visible()
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
