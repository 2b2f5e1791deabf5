"""The enterprise's path through the site in a real browser, by the words a user sees.

Chromium (Debian's) is driven by Playwright against pytest-django's live server; e-mail
goes through a real SMTP server on loopback and is delivered by running the task worker.
SCREENSHOTS=1 also saves each page of the path to docs/screenshots/.
"""

import random
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tradereg.audit.models import AuditEvent
from tradereg.common import codes
from tradereg.core.demo import DEMO_PDF
from tradereg.filings.models import Filing, Status
from tradereg.filings.tests.factories import PASSWORD, attach_required, make_filing
from tradereg.filings.tests.pages import posts_to, upload
from tradereg.printing.services import back_text

NEW_PASSWORD = "Walk@2026road"
# The manual's words for the statuses (DESIGN.md).
DRAFT_WORDS = "已保存(未上报)"
REPORTED_WORDS = "上报"
PASSWORD_LABELS = ("密码", "确认密码")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def uscc_for(seed: int, *, letters: int = 0) -> str:
    """A valid USCC from a seeded generator, with at least ``letters`` letters in it."""
    rng = random.Random(seed)
    while True:
        uscc = codes.generate_uscc(rng, region_code="110105")
        if sum(char.isalpha() for char in uscc) >= letters:
            return uscc


def typed_values(seed: int, *, uscc: str | None = None) -> dict[str, str]:
    """What a clerk types into each text box of step 3, by its label."""
    rng = random.Random(seed)
    uscc = uscc or uscc_for(seed)
    return {
        "用户名": f"trader-{seed}",
        "电子邮箱": f"clerk{seed}@example.cn",
        "经营者中文名称": f"北京步行贸易有限公司{seed}",
        "经营者英文名称": f"Beijing Walk Trading Co., Ltd. {seed}",
        "统一社会信用代码": uscc,
        "住所": "北京市朝阳区建国路88号",
        "经营场所（中文）": "北京市朝阳区建国路88号",
        "经营场所（英文）": "No. 88 Jianguo Road, Chaoyang District, Beijing",
        "联系电话": "010-65001234",
        "联系传真": "010-65001235",
        "邮政编码": "100020",
        "工商登记注册日期": "2015-03-01",
        "企业法定代表人姓名": "王建国",
        "有效证件号": codes.generate_resident_id(rng),
        "注册资金（万元）": "500",
        "备注": "经营范围：货物进出口、技术进出口。",
    }


SELECTED = {"经营者类型": "私营企业", "证件类型": "居民身份证", "币种": "人民币"}


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def error_of(page: Page, name: str):
    """The message next to a field: the ``.error`` in the field's container."""
    return page.locator(f"#field-{name} .error")


def pick_authority(page: Page, search: str, name: str) -> None:
    """【选择】 → type in 查找备案登记机关 → click the authority in the results."""
    page.get_by_role("button", name="选择", exact=True).click()
    dialog = page.get_by_role("dialog", name="选择备案登记机关")
    expect(dialog).to_be_visible()
    dialog.get_by_label("查找备案登记机关").fill(search)
    dialog.get_by_role("button", name=name).first.click()
    expect(dialog).to_be_hidden()
    expect(field(page, "备案登记机关")).to_have_value(name)


def open_step3(page: Page) -> None:
    """Step 2 with 北京市商务局 and 统一社会信用代码, then 【提交】."""
    page.goto("/filing/new/")
    pick_authority(page, "北京", "北京市商务局")
    page.get_by_role("radio", name="统一社会信用代码").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="备案登记", exact=True)).to_be_visible()
    expect(field(page, "用户名")).to_be_visible()


def fill_step3(page: Page, values: dict[str, str], password: str, confirm: str) -> None:
    for label, value in values.items():
        field(page, label).fill(value)
    field(page, "密码").fill(password)
    field(page, "确认密码").fill(confirm)
    for label, option in SELECTED.items():
        field(page, label).select_option(label=option)


def expect_kept(page: Page, values: dict[str, str], *, skip: tuple[str, ...] = ()) -> None:
    """After a refused 【保存】 every typed value is back, except the passwords."""
    for label, value in values.items():
        if label not in skip:
            expect(field(page, label)).to_have_value(value)
    for label, option in SELECTED.items():
        expect(field(page, label).locator("option:checked")).to_have_text(option)
    for label in PASSWORD_LABELS:
        expect(field(page, label)).to_have_value("")


def login(page: Page, username: str, password: str) -> None:
    """登录应用 → 用户名 + 密码 → 登录."""
    page.get_by_role("link", name="登录应用").first.click()
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def row_of(page: Page, name_cn: str):
    return page.locator("table.list tbody tr").filter(has_text=name_cn)


def pdf_file(tmp_path, name: str):
    path = tmp_path / name
    path.write_bytes(DEMO_PDF)
    return path


# --------------------------------------------------------------------------------------
# 1. the whole path
# --------------------------------------------------------------------------------------


@pytest.mark.browser
def test_new_filing_from_home_page_to_reported_and_edited(
    page: Page, smtp_server, tasks, tmp_path, screenshot
):
    values = typed_values(1)
    username, email = values["用户名"], values["电子邮箱"]
    name_cn, uscc = values["经营者中文名称"], values["统一社会信用代码"]
    password = NEW_PASSWORD

    # Home → 备案登记 in the left navigation.
    page.goto("/")
    expect(page.get_by_role("link", name="登录应用").first).to_be_visible()
    screenshot(page, "01-home")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="备案登记").click()
    expect(page).to_have_url(re.compile(r"/filing/new/$"))
    screenshot(page, "02-step2")

    # 【选择】 opens the dialog; search 北京 and click the authority.
    page.get_by_role("button", name="选择", exact=True).click()
    dialog = page.get_by_role("dialog", name="选择备案登记机关")
    expect(dialog).to_be_visible()
    dialog.get_by_label("查找备案登记机关").fill("北京")
    result = dialog.get_by_role("button", name="北京市商务局")
    expect(result).to_be_visible()
    screenshot(page, "03-picker-dialog")
    result.click()
    expect(dialog).to_be_hidden()
    expect(field(page, "备案登记机关")).to_have_value("北京市商务局")
    page.get_by_role("radio", name="统一社会信用代码").check()
    page.get_by_role("button", name="提交").click()

    # Step 3: user information and the whole form.
    expect(page.get_by_text("北京市商务局", exact=True)).to_be_visible()
    fill_step3(page, values, password, password)
    expect(field(page, "工商登记注册号")).to_have_value(uscc)
    expect(field(page, "折美元（万美元）")).not_to_have_value("")
    capital_usd = Decimal(field(page, "折美元（万美元）").input_value())
    assert capital_usd > 0
    screenshot(page, "04-form")
    page.get_by_role("button", name="保存").click()

    # Confirmation: account name and 系统编号, never the password.
    expect(page.get_by_role("heading", name="保存成功")).to_be_visible()
    expect(page.get_by_text("账户名称", exact=True)).to_be_visible()
    expect(page.get_by_text("备案登记系统编号", exact=True)).to_be_visible()
    expect(page.locator("#account-name")).to_have_text(username)
    system_no = page.locator("#system-no").inner_text().strip()
    assert codes.is_valid_system_no(system_no), system_no
    assert password not in page.content()
    screenshot(page, "06-saved")

    filing = Filing.objects.get(system_no=system_no)
    assert filing.owner.username == username
    assert filing.authority.name == "北京市商务局"
    assert filing.status == Status.DRAFT
    revision = filing.current_revision
    assert revision.uscc == uscc
    assert revision.registration_no == uscc
    assert revision.operator_type.name == "私营企业"
    assert revision.registration_date.isoformat() == "2015-03-01"
    assert revision.capital_usd == capital_usd
    assert revision.remarks == values["备注"]

    # The e-mail goes through the SMTP server: username and 系统编号, not the password.
    assert smtp_server.bodies_to(email) == []
    tasks()
    bodies = smtp_server.bodies_to(email)
    assert len(bodies) == 1
    assert username in bodies[0]
    assert system_no in bodies[0]
    assert password not in bodies[0]
    assert any(system_no in subject for subject in smtp_server.subjects_to(email))

    # 打印备案登记表: front with the operator, back with its clauses, one button per side.
    page.get_by_role("link", name="打印备案登记表").click()
    expect(page.get_by_role("button", name="打印正面")).to_be_visible()
    expect(page.get_by_role("button", name="打印背面")).to_be_visible()
    front = page.locator(".sheet.front")
    back = page.locator(".sheet.back")
    expect(front).to_contain_text(name_cn)
    expect(front).to_contain_text(uscc)
    expect(front).to_contain_text(system_no)
    text = back_text()
    expect(back.get_by_role("heading")).to_have_text(text["heading"])
    expect(back.locator(".clauses li")).to_have_text(text["clauses"])
    expect(back).to_contain_text(text["closing"])
    screenshot(page, "07-print")
    # 打印正面 prints the front alone (the print dialog itself is stubbed out).
    page.evaluate("window.print = () => { window.printedWith = document.body.className; }")
    page.get_by_role("button", name="打印正面").click()
    assert "print-front" in page.evaluate("window.printedWith")
    page.emulate_media(media="print")
    expect(front).to_be_visible()
    expect(back).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="打印背面").click()
    assert "print-back" in page.evaluate("window.printedWith")
    page.emulate_media(media="print")
    expect(front).to_be_hidden()
    expect(back).to_be_visible()
    page.emulate_media(media="screen")

    # 登录应用 → 点击进入 → the list shows 已保存(未上报).
    page.get_by_role("link", name="登录应用").click()
    expect(page.get_by_role("heading", name="登录应用")).to_be_visible()
    screenshot(page, "08-login")
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("link", name="点击进入").click()
    row = row_of(page, name_cn)
    expect(row.locator(".status")).to_have_text(DRAFT_WORDS)
    expect(row).to_contain_text(system_no)
    expect(row).to_contain_text("北京市商务局")
    screenshot(page, "09-list")

    # Open the filing; 上报 without the attachments is refused and names both.
    row.get_by_role("link", name=name_cn).click()
    expect(page.get_by_role("heading", name=name_cn)).to_be_visible()
    page.get_by_role("button", name="上报").click()
    refusal = page.locator(".messages .message.error")
    expect(refusal).to_contain_text("备案登记表扫描件")
    expect(refusal).to_contain_text("营业执照复印件")
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT

    # Upload both, then 上报.
    attachments = page.locator("#attachments table.list")
    upload(page, "备案登记表扫描件", pdf_file(tmp_path, "签字盖章登记表.pdf"))
    expect(attachments).to_contain_text("签字盖章登记表.pdf")
    upload(page, "营业执照复印件", pdf_file(tmp_path, "营业执照.pdf"))
    expect(attachments).to_contain_text("营业执照.pdf")
    expect(attachments.locator("tbody tr")).to_have_count(2)
    expect(attachments).to_contain_text("备案登记表扫描件")
    expect(attachments).to_contain_text("营业执照复印件")
    screenshot(page, "10-detail-attachments")
    page.get_by_role("button", name="上报").click()
    expect(page.locator(".messages .message.success")).to_contain_text("已上报")
    row = row_of(page, name_cn)
    expect(row.locator(".status")).to_have_text(REPORTED_WORDS)
    screenshot(page, "11-reported")
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert sorted(filing.attachments.values_list("kind", flat=True)) == [
        "business_licence",
        "signed_form",
    ]

    # 编辑: another authority (上海市商务委员会) and another 住所, then 保存.
    row.get_by_role("link", name="编辑").click()
    expect(field(page, "备案登记机关")).to_have_value("北京市商务局")
    expect(field(page, "经营者中文名称")).to_have_value(name_cn)
    screenshot(page, "12-edit")
    pick_authority(page, "上海", "上海市商务委员会")
    new_residence = "上海市浦东新区世纪大道100号"
    field(page, "住所").fill(new_residence)
    page.get_by_role("button", name="保存").click()
    row = row_of(page, name_cn)
    expect(row.locator(".status")).to_have_text(REPORTED_WORDS)
    expect(row).to_contain_text("上海市商务委员会")
    screenshot(page, "13-edited")

    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert filing.authority.name == "上海市商务委员会"
    assert filing.current_revision.residence == new_residence
    assert filing.current_revision.authority.name == "上海市商务委员会"
    assert filing.current_revision.name_cn == name_cn


# --------------------------------------------------------------------------------------
# 2. bad input: a message next to the field, and nothing typed is lost
# --------------------------------------------------------------------------------------


@pytest.mark.browser
def test_wrong_uscc_check_character_is_shown_next_to_the_field(page: Page, screenshot):
    good = uscc_for(21)
    wrong_check = next(c for c in codes.USCC_ALPHABET if c != good[-1])
    values = typed_values(21, uscc=good[:-1] + wrong_check)
    open_step3(page)
    fill_step3(page, values, NEW_PASSWORD, NEW_PASSWORD)
    page.get_by_role("button", name="保存").click()

    expect(error_of(page, "uscc")).to_contain_text("校验位错误")
    expect(page.get_by_role("alert")).to_contain_text("请修改以下标红的内容")
    screenshot(page, "05-form-errors")
    expect_kept(page, values)
    assert not Filing.objects.exists()


@pytest.mark.browser
def test_full_width_comma_in_english_name_is_named_with_its_position(page: Page):
    values = typed_values(22)
    name_en = "Beijing Walk Trading Co.，Ltd."
    values["经营者英文名称"] = name_en
    open_step3(page)
    fill_step3(page, values, NEW_PASSWORD, NEW_PASSWORD)
    page.get_by_role("button", name="保存").click()

    message = error_of(page, "name_en")
    expect(message).to_contain_text("“，”")
    expect(message).to_contain_text(f"第{name_en.index('，') + 1}个字符")
    for other in ("uscc", "username", "password1", "password2", "premises_en"):
        expect(error_of(page, other)).to_have_count(0)
    expect_kept(page, values)
    assert not Filing.objects.exists()


@pytest.mark.browser
def test_password_mismatch_is_shown_next_to_confirm_password(page: Page):
    values = typed_values(23)
    open_step3(page)
    fill_step3(page, values, NEW_PASSWORD, NEW_PASSWORD + "x")
    page.get_by_role("button", name="保存").click()

    expect(error_of(page, "password2")).to_contain_text("两次输入的密码不一致")
    expect_kept(page, values)
    assert not Filing.objects.exists()


@pytest.mark.browser
def test_uscc_in_lower_case_with_spaces_is_accepted_and_normalised(page: Page):
    uscc = uscc_for(24, letters=2)
    typed = " ".join(uscc[i : i + 4] for i in range(0, 18, 4)).lower()
    values = typed_values(24, uscc=typed)
    open_step3(page)
    fill_step3(page, values, NEW_PASSWORD, NEW_PASSWORD)
    expect(field(page, "工商登记注册号")).to_have_value(uscc)
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", name="保存成功")).to_be_visible()
    filing = Filing.objects.get(owner__username=values["用户名"])
    assert filing.current_revision.uscc == uscc
    assert filing.current_revision.registration_no == uscc


# --------------------------------------------------------------------------------------
# 3. attachments are checked by content and size
# --------------------------------------------------------------------------------------


@pytest.fixture
def saved_filing(page: Page):
    """A saved filing (已保存(未上报)) whose owner is logged in, on its detail page."""
    filing = make_filing()
    page.goto("/")
    login(page, filing.owner.username, PASSWORD)
    expect(page.get_by_role("link", name="点击进入")).to_be_visible()
    page.goto(f"/my/filings/{filing.pk}/")
    expect(page.get_by_role("heading", name=filing.current_revision.name_cn)).to_be_visible()
    return filing


@pytest.mark.browser
def test_text_file_named_pdf_is_refused(page: Page, saved_filing, tmp_path):
    fake = tmp_path / "营业执照.pdf"
    fake.write_bytes("这不是PDF文件，只是一段文字。\n".encode() * 20)
    upload(page, "营业执照复印件", fake)

    expect(page.locator("[data-upload-error]")).to_contain_text("不是 PDF、JPEG 或 PNG")
    assert saved_filing.attachments.count() == 0
    expect(page.locator("#attachments")).to_contain_text("尚未上传附件")


@pytest.mark.browser
def test_file_over_10_mb_is_refused(page: Page, saved_filing, tmp_path):
    big = tmp_path / "扫描件.pdf"
    big.write_bytes(DEMO_PDF + b"\0" * (11 * 1024 * 1024))
    upload(page, "备案登记表扫描件", big)

    expect(page.locator("[data-upload-error]")).to_contain_text("10 MB")
    expect(page.locator("[data-upload-error]")).to_contain_text("文件过大")
    assert saved_filing.attachments.count() == 0


@pytest.mark.browser
def test_file_just_over_10_mb_is_refused(page: Page, saved_filing, tmp_path):
    big = tmp_path / "扫描件.pdf"
    big.write_bytes(DEMO_PDF + b"\0" * (10 * 1024 * 1024 + 1 - len(DEMO_PDF)))
    upload(page, "备案登记表扫描件", big)

    expect(page.locator("[data-upload-error]")).to_contain_text("文件过大")
    assert saved_filing.attachments.count() == 0


# --------------------------------------------------------------------------------------
# 4. a double click acts once
# --------------------------------------------------------------------------------------


@pytest.mark.browser
def test_double_click_on_report_reports_once(page: Page):
    filing = make_filing()
    attach_required(filing)
    page.goto("/")
    login(page, filing.owner.username, PASSWORD)
    page.goto(f"/my/filings/{filing.pk}/")
    posts = posts_to(page, f"/my/filings/{filing.pk}/report/")
    page.get_by_role("button", name="上报").dblclick()

    row = row_of(page, filing.current_revision.name_cn)
    expect(row.locator(".status")).to_have_text(REPORTED_WORDS)
    expect(page.locator(".messages .message.error")).to_have_count(0)
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert AuditEvent.objects.filter(event="filing_reported", filing=filing).count() == 1
    assert len(posts) == 1


@pytest.mark.browser
def test_double_click_on_save_creates_one_filing(page: Page):
    values = typed_values(41)
    open_step3(page)
    fill_step3(page, values, NEW_PASSWORD, NEW_PASSWORD)
    posts = posts_to(page, "/filing/new/form/")
    page.get_by_role("button", name="保存").dblclick()

    expect(page.get_by_role("heading", name="保存成功")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text(values["用户名"])
    assert Filing.objects.count() == 1
    assert len(posts) == 1


@pytest.mark.browser
def test_second_click_while_report_is_on_its_way_is_ignored(page: Page):
    """A slow double click: the first 上报 is still on its way when the second comes."""
    filing = make_filing()
    attach_required(filing)
    page.goto("/")
    login(page, filing.owner.username, PASSWORD)
    page.goto(f"/my/filings/{filing.pk}/")
    held = []
    page.route(re.compile(r"/report/$"), lambda route: held.append(route))
    button = page.get_by_role("button", name="上报")
    box = button.bounding_box()
    button.click(no_wait_after=True)
    for _ in range(250):
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    # The old page is still shown while the request is held; locators would wait for the
    # navigation, so the second click goes to where the button is.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert len(held) == 1

    held[0].continue_()
    row = row_of(page, filing.current_revision.name_cn)
    expect(row.locator(".status")).to_have_text(REPORTED_WORDS)
    assert AuditEvent.objects.filter(event="filing_reported", filing=filing).count() == 1


# --------------------------------------------------------------------------------------
# 5. the edit form comes back as it was typed
# --------------------------------------------------------------------------------------


@pytest.mark.browser
def test_edit_form_shows_amounts_as_they_were_typed(page: Page):
    filing = make_filing(
        status=Status.REPORTED, capital=Decimal("500"), capital_usd=Decimal("70.4")
    )
    page.goto("/")
    login(page, filing.owner.username, PASSWORD)
    page.goto(f"/my/filings/{filing.pk}/")
    page.get_by_role("link", name="编辑").click()

    expect(field(page, "经营者中文名称")).to_have_value(filing.current_revision.name_cn)
    expect(field(page, "工商登记注册日期")).to_have_value("2015-03-01")
    expect(field(page, "注册资金（万元）")).to_have_value("500")
    expect(field(page, "折美元（万美元）")).to_have_value("70.4")
