"""The review cycle in two real browsers at once: the enterprise and the officer.

Two Chromium contexts (two people, two sets of cookies) against pytest-django's live
server, by the words on the pages. E-mail goes through a real SMTP server on loopback
and is delivered by running the task worker. SCREENSHOTS=1 saves the officer's pages
to docs/screenshots/2*.png.
"""

import os
import random
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tradereg.accounts.tests.totp import bind_authenticator
from tradereg.common import codes
from tradereg.conftest import BROWSER_TIMEOUT_MS
from tradereg.core.demo import DEMO_PDF
from tradereg.filings import services
from tradereg.filings.models import Filing, FilingEvent, Method, Status
from tradereg.filings.tests.factories import (
    PASSWORD,
    authority,
    filing_data,
    make_filing,
    make_officer,
)
from tradereg.filings.tests.pages import upload

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

CODE = "440300"  # 深圳市商务局
CLAIM_LINK = re.compile(r"https?://\S+/accounts/claim/[A-Za-z0-9_-]+/")
# The manual's words for the statuses (DESIGN.md).
RETURNED_WORDS = "已退回"
REPORTED_WORDS = "上报"
APPROVED_WORDS = "已审核，可变更"
CHANGING_WORDS = "变更中(未上报)"


def shenzhen(seed: int, name_cn: str, name_en: str, street: str, street_en: str) -> dict:
    """Form data of a Shenzhen operator (the factory's default is a Beijing one)."""
    uscc = codes.generate_uscc(random.Random(seed), region_code="440304")
    return {
        "name_cn": name_cn,
        "name_en": name_en,
        "uscc": uscc,
        "registration_no": uscc,
        "residence": f"深圳市福田区{street}",
        "premises_cn": f"深圳市福田区{street}",
        "premises_en": f"{street_en}, Futian District, Shenzhen",
        "phone": "0755-83001234",
        "postcode": "518000",
        "email": f"trade{seed}@example.cn",
    }


@pytest.fixture
def person(browser: Browser, live_server):
    """``person()`` opens a new browser context (its own cookies) and returns its page."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def field(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def login(page: Page, username: str, password: str) -> None:
    """登录应用 → 用户名 + 密码 → 登录."""
    page.goto("/")
    page.get_by_role("link", name="登录应用").first.click()
    expect(page.get_by_role("heading", name="登录应用")).to_be_visible()
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def row_of(page: Page, text: str):
    return page.locator("table.list tbody tr").filter(has_text=text)


def compare_row(page: Page, label: str):
    return page.locator("table.compare tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(label)}"))
    )


def open_from_queue(officer: Page, name_cn: str) -> None:
    """审核队列 → the filing's name."""
    officer.get_by_role("navigation", name="工作台").get_by_role("link", name="审核队列").click()
    expect(officer.get_by_role("heading", name="审核队列")).to_be_visible()
    row_of(officer, name_cn).get_by_role("link", name=name_cn).click()
    expect(officer.get_by_role("heading", name=name_cn)).to_be_visible()


def my_filings(enterprise: Page) -> None:
    """The enterprise's status list, as 点击进入 opens it."""
    enterprise.goto("/my/")
    enterprise.get_by_role("link", name="点击进入").click()
    expect(enterprise.get_by_role("heading", name="对外贸易经营者备案登记")).to_be_visible()


def test_return_correct_approve_change_approve_across_two_browsers(
    person, settings, live_server, screenshot, tmp_path
):
    settings.SITE_URL = live_server.url
    filing = make_filing(
        status=Status.REPORTED,
        code=CODE,
        username="sz-trader",
        **shenzhen(
            1,
            "深圳市鹏城星河贸易有限公司",
            "Shenzhen Pengcheng Xinghe Trading Co., Ltd.",
            "福华路88号",
            "No. 88 Fuhua Road",
        ),
    )
    # Another one in the queue, reported long ago: it is listed first and marked overdue.
    waiting = make_filing(
        status=Status.REPORTED,
        code=CODE,
        **shenzhen(
            2,
            "深圳市莲花山进出口有限公司",
            "Shenzhen Lianhuashan Import & Export Co., Ltd.",
            "红荔路6号",
            "No. 6 Hongli Road",
        ),
    )
    Filing.objects.filter(pk=waiting.pk).update(reported_at=timezone.now() - timedelta(days=12))
    make_officer(code=CODE, username="sz-officer")
    name_cn = filing.current_revision.name_cn
    old_premises_en = filing.current_revision.premises_en
    enterprise, officer = person(), person()

    # The officer logs in and lands on the queue; both reported filings wait there.
    login(officer, "sz-officer", PASSWORD)
    bind_authenticator(officer)  # first login of a staff account: bind the phone's app
    expect(officer.get_by_role("heading", name="审核队列")).to_be_visible()
    expect(row_of(officer, name_cn)).to_contain_text("新备案")
    late = officer.locator("table.list tbody tr").first
    expect(late).to_contain_text(waiting.current_revision.name_cn)
    expect(late).to_have_class("overdue")
    expect(late).to_contain_text("已超期")
    screenshot(officer, "20-office-queue")

    # Review: the form, the attachments, 审核通过 and 退回.
    open_from_queue(officer, name_cn)
    expect(compare_row(officer, "经营者中文名称")).to_contain_text(name_cn)
    attachments = officer.locator("#attachments details.attachment")
    expect(attachments).to_have_count(2)
    # Opening an attachment shows it in the page, from the attachment URL.
    first = attachments.first
    first.locator("summary").click()
    frame = first.locator("iframe.attachment-view")
    expect(frame).to_be_visible()
    source = frame.get_attribute("src")
    assert re.fullmatch(rf"/my/filings/{filing.pk}/attachments/\d+/", source)
    served = officer.request.get(source)
    assert served.ok
    assert served.headers["content-type"] == "application/pdf"
    assert served.body().startswith(b"%PDF")
    expect(officer.get_by_role("button", name="审核通过")).to_be_visible()
    if os.environ.get("SCREENSHOTS") == "1":
        officer.wait_for_timeout(1500)  # let the PDF viewer draw the page for the picture
    screenshot(officer, "21-office-review")

    # 退回 with a reason and the field to correct.
    reason = "经营场所（英文）与营业执照不一致，请核对后重新上报。"
    field(officer, "退回原因").fill(reason)
    officer.get_by_text("指出需修改的项目和附件（可选）").click()
    field(officer, "经营场所（英文）").check()
    screenshot(officer, "22-office-return")
    officer.get_by_role("button", name="退回", exact=True).click()
    expect(officer.locator(".messages .message.success")).to_contain_text("已退回")
    expect(officer.locator("h1 .status")).to_have_text(RETURNED_WORDS)

    # The enterprise sees 已退回 and the reason; 编辑 marks the field.
    login(enterprise, "sz-trader", PASSWORD)
    my_filings(enterprise)
    expect(row_of(enterprise, name_cn).locator(".status")).to_have_text(RETURNED_WORDS)
    row_of(enterprise, name_cn).get_by_role("link", name=name_cn).click()
    expect(enterprise.get_by_role("alert")).to_contain_text(reason)
    expect(enterprise.get_by_role("alert")).to_contain_text("深圳市商务局")
    enterprise.get_by_role("link", name="编辑").click()
    flagged = enterprise.locator("#field-premises_en")
    expect(flagged).to_have_class(re.compile(r"\bflagged\b"))
    expect(flagged).to_contain_text("备案登记机关要求修改此项")
    expect(enterprise.locator("#field-name_cn")).not_to_have_class(re.compile(r"\bflagged\b"))
    expect(enterprise.locator(".card")).to_contain_text(reason)
    screenshot(enterprise, "23-enterprise-returned")

    # Correct, 保存, 上报.
    new_premises_en = "No. 9 Shennan Avenue, Futian District, Shenzhen"
    field(enterprise, "经营场所（英文）").fill(new_premises_en)
    enterprise.get_by_role("button", name="保存").click()
    expect(enterprise.locator(".messages .message.success")).to_contain_text("已保存")
    row = row_of(enterprise, name_cn)
    expect(row.locator(".status")).to_have_text(RETURNED_WORDS)
    row.get_by_role("button", name="上报").click()
    expect(enterprise.locator(".messages .message.success")).to_contain_text("已上报")
    expect(row_of(enterprise, name_cn).locator(".status")).to_have_text(REPORTED_WORDS)

    # The officer sees what changed since the return, and approves.
    open_from_queue(officer, name_cn)
    expect(officer.get_by_role("heading", name=re.compile("与退回时版本对比"))).to_be_visible()
    changed = compare_row(officer, "经营场所（英文）")
    expect(changed).to_have_class("changed")
    expect(changed.locator("del")).to_have_text(old_premises_en)
    expect(changed.locator("ins")).to_have_text(new_premises_en)
    expect(officer.locator("table.compare tr.changed")).to_have_count(1)
    expect(officer.get_by_text("上次退回原因")).to_be_visible()
    officer.get_by_role("button", name="审核通过").click()
    message = officer.locator(".messages .message.success")
    expect(message).to_contain_text("已审核通过")
    filing.refresh_from_db()
    assert filing.status == Status.APPROVED
    assert filing.approved_revision.premises_en == new_premises_en
    expect(message).to_contain_text(filing.form_no)
    expect(message).to_contain_text(filing.ie_code)

    # The enterprise: 已审核，可变更 with its 备案登记表编号.
    enterprise.reload()
    row = row_of(enterprise, name_cn)
    expect(row.locator(".status")).to_have_text(APPROVED_WORDS)
    expect(row).to_contain_text(f"备案登记表编号 {filing.form_no}")

    # 变更: a new 住所, 保存, 上报.
    old_residence = filing.current_revision.residence
    new_residence = "深圳市南山区粤海街道科技南十二路2号"
    row.get_by_role("link", name="变更").click()
    expect(enterprise.get_by_role("heading", name=re.compile("^变更"))).to_be_visible()
    field(enterprise, "住所").fill(new_residence)
    enterprise.get_by_role("button", name="保存").click()
    expect(enterprise.locator(".messages .message.success")).to_contain_text("变更已保存")
    row = row_of(enterprise, name_cn)
    expect(row.locator(".status")).to_have_text(CHANGING_WORDS)
    # The scan that went with the approval signed the old data: 上报 asks for a new one.
    row.get_by_role("button", name="上报").click()
    expect(enterprise.locator(".messages .message.error")).to_contain_text(
        "变更后重新签章的备案登记表扫描件"
    )
    signed = tmp_path / "变更后签章.pdf"
    signed.write_bytes(DEMO_PDF)
    upload(enterprise, "备案登记表扫描件", signed)
    expect(enterprise.locator("#attachments table.list")).to_contain_text("变更后签章.pdf")
    enterprise.get_by_role("button", name="上报").click()
    expect(row_of(enterprise, name_cn).locator(".status")).to_have_text(REPORTED_WORDS)

    # The officer sees a change, compared with the approved version, with the new scan
    # marked and the old one kept, and approves it.
    open_from_queue(officer, name_cn)
    new_scan = officer.locator("details.attachment").filter(has_text="变更后签章.pdf")
    expect(new_scan).to_contain_text("本次新上传")
    expect(officer.locator("details.attachment.replaced")).to_contain_text("备案登记表扫描件")
    expect(officer.get_by_role("heading", name=re.compile("与已备案版本对比"))).to_be_visible()
    changed = compare_row(officer, "住所")
    expect(changed).to_have_class("changed")
    expect(changed.locator("del")).to_have_text(old_residence)
    expect(changed.locator("ins")).to_have_text(new_residence)
    expect(officer.locator("table.compare tr.changed")).to_have_count(1)
    expect(officer.locator("dl.facts")).to_contain_text("变更")
    screenshot(officer, "24-office-change-compare")
    officer.get_by_role("button", name="审核通过").click()
    expect(officer.locator(".messages .message.success")).to_contain_text(filing.form_no)

    enterprise.reload()
    row = row_of(enterprise, name_cn)
    expect(row.locator(".status")).to_have_text(APPROVED_WORDS)
    expect(row).to_contain_text(f"备案登记表编号 {filing.form_no}")
    filing.refresh_from_db()
    assert filing.status == Status.APPROVED
    assert filing.approved_revision.residence == new_residence
    assert filing.events.filter(kind__in=FilingEvent.DECISIONS).count() == 3


def test_open_account_for_a_legacy_filing_across_two_browsers(
    person, settings, live_server, smtp_server, tasks, screenshot
):
    settings.SITE_URL = live_server.url
    legacy = services.filing_import(
        authority=authority(CODE),
        method=Method.USCC,
        data=filing_data(
            **{
                **shenzhen(
                    3,
                    "深圳华强老字号进出口有限公司",
                    "Shenzhen Huaqiang Laozihao Import & Export Co., Ltd.",
                    "华强北路1号",
                    "No. 1 Huaqiang North Road",
                ),
                "email": "old@huaqiang.example.cn",
            }
        ),
        approved_at=datetime(2010, 8, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    make_officer(code=CODE, username="sz-accounts")
    officer, enterprise = person(), person()
    email = "boss@huaqiang.example.cn"

    # 用户管理: find the legacy filing by a fragment of its name; it has no user yet.
    login(officer, "sz-accounts", PASSWORD)
    bind_authenticator(officer)
    officer.get_by_role("link", name="用户管理").click()
    expect(officer.get_by_role("heading", name="用户管理")).to_be_visible()
    field(officer, "代码或名称").fill("华强老字号")
    officer.get_by_role("button", name="查询").click()
    row = row_of(officer, "深圳华强老字号进出口有限公司")
    expect(row).to_contain_text("未开通")
    expect(row).to_contain_text("（历史备案）")
    expect(row.get_by_label("确认电子邮箱")).to_have_value("old@huaqiang.example.cn")

    # 开通用户 to the address the enterprise gave on the phone.
    row.get_by_label("确认电子邮箱").fill(email)
    row.get_by_role("button", name="开通用户").click()
    expect(officer.locator(".messages .message.success")).to_contain_text(email)
    expect(row_of(officer, "深圳华强老字号进出口有限公司")).to_contain_text("未开通")
    screenshot(officer, "25-office-accounts")

    tasks()
    bodies = smtp_server.bodies_to(email)
    assert len(bodies) == 1
    link = CLAIM_LINK.search(bodies[0]).group(0)
    assert link.startswith(live_server.url)

    # The enterprise opens the link, chooses its username and password, 保存.
    enterprise.goto(link)
    expect(enterprise.get_by_role("heading", name="开通用户")).to_be_visible()
    expect(enterprise.locator("dl.facts")).to_contain_text("深圳华强老字号进出口有限公司")
    expect(enterprise.locator("dl.facts")).to_contain_text(legacy.form_no)
    field(enterprise, "用户名").fill("huaqiang")
    field(enterprise, "密码").fill("Hq@2026shenzhen")
    field(enterprise, "确认密码").fill("Hq@2026shenzhen")
    screenshot(enterprise, "26-claim")
    enterprise.get_by_role("button", name="保存").click()
    expect(enterprise.locator(".messages")).to_contain_text("用户已开通，账户名称：huaqiang")

    # It logs in and finds its filing.
    login(enterprise, "huaqiang", "Hq@2026shenzhen")
    my_filings(enterprise)
    row = row_of(enterprise, "深圳华强老字号进出口有限公司")
    expect(row.locator(".status")).to_have_text(APPROVED_WORDS)
    expect(row).to_contain_text(legacy.system_no)
    expect(row.get_by_role("link", name="变更")).to_be_visible()

    # The officer now sees the username instead of 开通用户.
    officer.reload()
    row = row_of(officer, "深圳华强老字号进出口有限公司")
    expect(row).to_contain_text("huaqiang")
    expect(row.get_by_role("button", name="发送重置密码邮件")).to_be_visible()
    legacy.refresh_from_db()
    assert legacy.owner.username == "huaqiang"
    assert Filing.objects.filter(owner__username="huaqiang").count() == 1
