"""The officer workspace through its pages: queue, review, decisions, notes, accounts.

Filings are addressed to 深圳市商务局 (440300); the officer ``sz`` works there.
"""

import re
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services
from tradereg.filings.models import Filing, FilingEvent, Method, Note, OperatorType, Status
from tradereg.filings.tests.factories import (
    PASSWORD,
    PNG_BYTES,
    attach_signed_form,
    authority,
    filing_data,
    make_filing,
    make_officer,
    same_operator,
)
from tradereg.office import selectors

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CODE = "440300"  # 深圳市商务局
CLAIM_LINK = re.compile(r"https?://\S+?(/accounts/claim/[A-Za-z0-9_-]+/)")
RESET_LINK = re.compile(r"https?://\S+?(/accounts/password/reset/\S+?/\S+?/)")

DECISIONS = FilingEvent.objects.filter(kind__in=FilingEvent.DECISIONS)


# --- helpers ------------------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def sz():
    return make_officer(code=CODE, username="sz-officer")


@pytest.fixture
def office(sz) -> Client:
    return logged_in(sz)


def reported(**data) -> Filing:
    return make_filing(status=Status.REPORTED, code=CODE, **data)


def revision_data(filing: Filing, **overrides) -> dict:
    """The filing's current form data, as the enterprise's form would post it back."""
    revision = filing.current_revision
    data = {field: getattr(revision, field) for field in services.REVISION_FIELDS}
    data.update(overrides)
    return data


def save_as_owner(filing: Filing, **overrides) -> Filing:
    filing.refresh_from_db()
    return services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=revision_data(filing, **overrides),
    )


def report_as_owner(filing: Filing) -> Filing:
    """上报, with a newly signed scan first when it is a change (the old one signed the
    old data)."""
    filing.refresh_from_db()
    if filing.has_been_approved:
        attach_signed_form(filing)
    return services.filing_report(filing=filing, acting_user=filing.owner)


def set_reported_at(filing: Filing, when: datetime) -> None:
    Filing.objects.filter(pk=filing.pk).update(reported_at=when)


def html(response) -> str:
    return unescape(response.content.decode())


def queue_order(response, filings: list[Filing]) -> list[Filing]:
    """The given filings in the order the queue lists them (missing ones left out)."""
    body = html(response)
    found = [(body.find(f.system_no), f) for f in filings if f.system_no in body]
    return [f for _, f in sorted(found, key=lambda pair: pair[0])]


def queue_row(response, filing: Filing) -> str:
    body = response.content.decode()
    link = reverse("office:review", args=[filing.pk])
    for row in re.findall(r"<tr[ >].*?</tr>", body, flags=re.S):
        if link in row:
            return row
    raise AssertionError(f"{filing.system_no} is not in the queue")


def compare_rows(response) -> dict[str, dict]:
    """The review page's form table: label → {"changed", "old", "new"}."""
    body = response.content.decode()
    table = re.search(r'<table class="list compare">.*?</table>', body, flags=re.S).group(0)
    rows = {}
    for attrs, label, cells in re.findall(
        r'<tr( class="changed")?>\s*<th scope="row">(.*?)</th>(.*?)</tr>', table, flags=re.S
    ):
        label = re.sub(r"<span.*?</span>", "", label, flags=re.S).strip()
        values = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", cells, flags=re.S)
        ]
        rows[unescape(label)] = {
            "changed": bool(attrs),
            "old": values[0] if len(values) == 2 else None,
            "new": values[-1],
        }
    return rows


def field_block(body: str, name: str) -> str:
    """The ``<div class="field ...">`` of a form field, up to the next field."""
    match = re.search(
        rf'<div class="field[^"]*" id="field-{name}">.*?(?=<div class="field|</fieldset>)',
        body,
        flags=re.S,
    )
    assert match, f"no field {name}"
    return match.group(0)


def messages_of(response) -> str:
    match = re.search(r'<div class="messages".*?</div>', response.content.decode(), flags=re.S)
    return unescape(match.group(0)) if match else ""


# --- queue --------------------------------------------------------------------------------


def test_queue_lists_oldest_report_first_and_only_the_officers_authority(office):
    now = timezone.now()
    newest, oldest, middle = reported(), reported(), reported()
    set_reported_at(newest, now - timedelta(hours=1))
    set_reported_at(oldest, now - timedelta(days=2))
    set_reported_at(middle, now - timedelta(days=1))
    elsewhere = make_filing(status=Status.REPORTED, code="310000")
    draft = make_filing(code=CODE)

    response = office.get(reverse("office:queue"))
    assert response.status_code == 200
    listed = queue_order(response, [newest, oldest, middle, elsewhere, draft])
    assert listed == [oldest, middle, newest]
    assert "共 3 条" in html(response)


def test_overdue_filings_are_marked(office):
    late, fresh = reported(), reported()
    set_reported_at(late, timezone.now() - timedelta(days=30))
    response = office.get(reverse("office:queue"))
    late_row, fresh_row = queue_row(response, late), queue_row(response, fresh)
    assert 'class="overdue"' in late_row
    assert "已超期" in late_row
    assert 'class="overdue"' not in fresh_row
    assert "已超期" not in fresh_row
    assert "0 / 5 个工作日" in fresh_row
    # The review page says so too.
    review = html(office.get(reverse("office:review", args=[late.pk])))
    assert "已超期" in review


def test_queue_filter_by_status(office):
    waiting = reported()
    approved = make_filing(status=Status.APPROVED, code=CODE)
    returned = reported()
    services.filing_return(filing=returned, acting_user=make_officer(code=CODE), reason="补正")

    default = office.get(reverse("office:queue"))
    assert queue_order(default, [waiting, approved, returned]) == [waiting]
    only_approved = office.get(reverse("office:queue"), {"status": Status.APPROVED})
    assert queue_order(only_approved, [waiting, approved, returned]) == [approved]
    only_returned = office.get(reverse("office:queue"), {"status": Status.RETURNED})
    assert queue_order(only_returned, [waiting, approved, returned]) == [returned]
    everything = office.get(reverse("office:queue"), {"status": ""})
    assert set(queue_order(everything, [waiting, approved, returned])) == {
        waiting,
        approved,
        returned,
    }


def test_queue_filter_new_filings_and_changes(office):
    new = reported()
    change = make_filing(status=Status.APPROVED, code=CODE)
    report_as_owner(save_as_owner(change, residence="深圳市南山区科技园1号"))

    both = office.get(reverse("office:queue"))
    assert set(queue_order(both, [new, change])) == {new, change}
    assert "变更" in queue_row(both, change)
    assert "新备案" in queue_row(both, new)
    only_new = office.get(reverse("office:queue"), {"status": "reported", "kind": "new"})
    assert queue_order(only_new, [new, change]) == [new]
    only_changes = office.get(reverse("office:queue"), {"status": "reported", "kind": "change"})
    assert queue_order(only_changes, [new, change]) == [change]


def test_queue_filter_by_report_date(office):
    march, april, may = reported(), reported(), reported()
    set_reported_at(march, datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    set_reported_at(april, datetime(2026, 4, 15, 23, 30, tzinfo=SHANGHAI))  # 15:30 UTC
    set_reported_at(may, datetime(2026, 5, 20, 0, 30, tzinfo=SHANGHAI))  # 19th in UTC
    filings = [march, april, may]

    def listed(**query):
        return queue_order(
            office.get(reverse("office:queue"), {"status": "reported", **query}), filings
        )

    assert listed(date_from="2026-04-01") == [april, may]
    assert listed(date_to="2026-04-15") == [march, april]
    assert listed(date_from="2026-04-15", date_to="2026-04-15") == [april]
    assert listed(date_from="2026-05-20", date_to="2026-05-20") == [may]  # the local date
    assert listed(date_from="2026-04-16", date_to="2026-05-19") == []


def test_queue_search_by_system_no_uscc_and_name_fragment(office):
    target = reported(name_cn="深圳市前海湾贸易有限公司")
    other = reported(name_cn="深圳市罗湖口岸贸易有限公司")
    filings = [target, other]

    def found(q):
        return queue_order(
            office.get(reverse("office:queue"), {"status": "reported", "q": q}), filings
        )

    assert found(target.system_no) == [target]
    assert found(f" {target.system_no[:4]} {target.system_no[4:]} ") == [target]
    assert found(target.current_revision.uscc) == [target]
    assert found(target.current_revision.uscc.lower()) == [target]
    assert found("前海湾") == [target]
    assert found("口岸") == [other]
    assert set(found("深圳市")) == {target, other}
    assert found("不存在的名称") == []
    assert "没有符合条件的备案" in html(office.get(reverse("office:queue"), {"q": "不存在的名称"}))


def test_queue_filters_come_back_in_the_form(office):
    response = office.get(
        reverse("office:queue"),
        {"status": "returned", "kind": "change", "date_from": "2026-04-01", "q": "前海"},
    )
    body = response.content.decode()
    assert '<option value="returned" selected>' in body
    assert '<option value="change" selected>' in body
    assert 'value="2026-04-01"' in body
    assert 'value="前海"' in body


# --- review -------------------------------------------------------------------------------


def test_review_of_a_change_shows_old_and_new_for_changed_fields(office):
    filing = make_filing(status=Status.APPROVED, code=CODE)
    old_residence = filing.current_revision.residence
    old_phone = filing.current_revision.phone
    report_as_owner(save_as_owner(filing, residence="深圳市南山区科技园1号", phone="0755-88886666"))

    response = office.get(reverse("office:review", args=[filing.pk]))
    assert response.status_code == 200
    body = html(response)
    assert "与已备案版本对比" in body
    rows = compare_rows(response)
    assert rows["住所"] == {"changed": True, "old": old_residence, "new": "深圳市南山区科技园1号"}
    assert rows["联系电话"] == {"changed": True, "old": old_phone, "new": "0755-88886666"}
    unchanged = {label for label, row in rows.items() if not row["changed"]}
    assert "经营者中文名称" in unchanged
    assert rows["经营者中文名称"]["old"] == rows["经营者中文名称"]["new"]
    assert [label for label, row in rows.items() if row["changed"]] == ["住所", "联系电话"]


def test_review_of_a_new_filing_shows_no_comparison(office):
    filing = reported()
    response = office.get(reverse("office:review", args=[filing.pk]))
    body = html(response)
    assert "版本对比" not in body
    rows = compare_rows(response)
    assert not any(row["changed"] for row in rows.values())
    assert rows["经营者中文名称"]["new"] == filing.current_revision.name_cn
    assert rows["备案登记机关"]["new"] == "深圳市商务局"


def test_review_after_return_and_re_report_compares_with_the_returned_version(office, sz):
    filing = reported()
    old_en = filing.current_revision.premises_en
    services.filing_return(
        filing=filing, acting_user=sz, reason="英文经营场所有误", fields=["premises_en"]
    )
    report_as_owner(save_as_owner(filing, premises_en="No. 1 Shennan Road, Futian, Shenzhen"))

    response = office.get(reverse("office:review", args=[filing.pk]))
    body = html(response)
    assert "与退回时版本对比" in body
    assert "上次退回原因：英文经营场所有误" in body
    rows = compare_rows(response)
    assert rows["经营场所（英文）"] == {
        "changed": True,
        "old": old_en,
        "new": "No. 1 Shennan Road, Futian, Shenzhen",
    }
    assert [label for label, row in rows.items() if row["changed"]] == ["经营场所（英文）"]


def test_a_change_after_an_earlier_return_compares_with_the_approved_version(office, sz):
    """A return answered and approved long ago is not what a later change answers."""
    filing = reported()
    services.filing_return(filing=filing, acting_user=sz, reason="补正联系电话")
    report_as_owner(save_as_owner(filing, phone="0755-11112222"))
    services.filing_approve(filing=filing, acting_user=sz)
    report_as_owner(save_as_owner(filing, residence="深圳市宝安区新安街道1号"))

    response = office.get(reverse("office:review", args=[filing.pk]))
    body = html(response)
    assert "与已备案版本对比" in body
    assert "与退回时版本对比" not in body
    assert "上次退回原因" not in body
    rows = compare_rows(response)
    assert [label for label, row in rows.items() if row["changed"]] == ["住所"]
    assert rows["联系电话"]["old"] == "0755-11112222"


def test_attachments_are_shown_inline_and_served_to_the_officer(office):
    filing = reported()
    png = services.attachment_add(
        filing=filing,
        acting_user=filing.owner,
        kind="other",
        uploaded=SimpleUploadedFile("photo.png", PNG_BYTES),
    )
    body = office.get(reverse("office:review", args=[filing.pk])).content.decode()
    pdfs = filing.attachments.filter(content_type="application/pdf")
    assert pdfs.count() == 2
    for attachment in pdfs:
        url = reverse("filings:attachment", args=[filing.pk, attachment.pk])
        assert re.search(rf'<iframe src="{re.escape(url)}"', body)
        served = office.get(url)
        assert served.status_code == 200
        assert served["Content-Type"] == "application/pdf"
        assert b"".join(served.streaming_content).startswith(b"%PDF")
    png_url = reverse("filings:attachment", args=[filing.pk, png.pk])
    assert re.search(rf'<img src="{re.escape(png_url)}"', body)
    served = office.get(png_url)
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    download = office.get(png_url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    b"".join(download.streaming_content)


# --- duplicates ---------------------------------------------------------------------------


def sole_trader_other_method(*, registration_no: str, name_cn: str = "上海个体贸易商行") -> dict:
    """A 个体工商户 filed under 其他, without an organisation code."""
    return filing_data(
        name_cn=name_cn,
        uscc="",
        org_code="",
        operator_type=OperatorType.objects.get(name="个体工商户（独资经营者）"),
        registration_no=registration_no,
    )


def test_the_same_operator_cannot_file_again_by_another_method():
    """A sole trader whose 工商登记注册号 is its USCC is the operator of that USCC."""
    filing = reported()
    with pytest.raises(ValidationError):
        services.filing_import(
            authority=authority("310000"),
            method=Method.OTHER,
            data=sole_trader_other_method(registration_no=filing.current_revision.uscc),
            approved_at=datetime(2014, 6, 1, 10, 0, tzinfo=SHANGHAI),
        )


def test_duplicate_warning_for_the_same_name_filed_elsewhere(office):
    """A legacy filing in 上海 under its old 15-digit number and a new filing in 深圳 by USCC
    under the same name: the codes cannot tell, the name warns both officers."""
    filing = reported()
    legacy = services.filing_import(
        authority=authority("310000"),
        method=Method.OTHER,
        data=sole_trader_other_method(
            registration_no="440300000000009", name_cn=filing.current_revision.name_cn
        ),
        approved_at=datetime(2014, 6, 1, 10, 0, tzinfo=SHANGHAI),
    )
    assert legacy.operator_code != filing.operator_code

    body = html(office.get(reverse("office:review", args=[filing.pk])))
    assert "重复备案提示" in body
    assert "上海市商务委员会" in body
    assert legacy.system_no not in body  # another authority's: only what is published

    shanghai = logged_in(make_officer(code="310000"))
    body = html(shanghai.get(reverse("office:review", args=[legacy.pk])))
    assert "重复备案提示" in body
    assert "其他备案登记机关另有一件" in body
    assert filing.system_no not in body  # not approved yet: its existence, not its data


def test_no_duplicate_warning_for_a_cancelled_filing_or_an_unrelated_one(office, sz):
    old = make_filing(status=Status.APPROVED, code=CODE)
    services.filing_cancel(filing=old, acting_user=sz, reason="企业申请注销")
    again = reported(**same_operator(old))
    unrelated = reported()

    assert not selectors.duplicates_for(user=sz, filing=again)
    assert not selectors.duplicates_for(user=sz, filing=unrelated)
    # Looking at the cancelled one, the new filing of the same operator is pointed out.
    old.refresh_from_db()
    found = selectors.duplicates_for(user=sz, filing=old)
    assert [d.filing_id for d in found.shown] == [again.pk]
    assert "重复备案提示" not in html(office.get(reverse("office:review", args=[again.pk])))


# --- decisions ----------------------------------------------------------------------------


def test_approve_assigns_numbers_and_says_so(office, sz):
    filing = reported()
    response = office.post(
        reverse("office:approve", args=[filing.pk]),
        {"revision": filing.current_revision.number},
        follow=True,
    )
    filing.refresh_from_db()
    assert filing.status == Status.APPROVED
    assert re.fullmatch(r"\d{8}", filing.form_no)
    assert filing.ie_code
    assert filing.approved_revision_id == filing.current_revision_id
    assert (
        f"已审核通过。备案登记表编号 {filing.form_no}，进出口企业代码 {filing.ie_code}。"
        in messages_of(response)
    )
    decision = DECISIONS.get(filing=filing)
    assert decision.kind == FilingEvent.Kind.APPROVED
    assert decision.actor == sz
    # The page now offers 注销, not 审核通过.
    body = response.content.decode()
    assert reverse("office:cancel", args=[filing.pk]) in body
    assert reverse("office:approve", args=[filing.pk]) not in body


def test_approve_of_a_version_the_officer_did_not_see_is_refused(office):
    filing = reported()
    seen = filing.current_revision.number
    save_as_owner(filing, phone="0755-99990000")  # 编辑 while reported: a new revision
    response = office.post(
        reverse("office:approve", args=[filing.pk]), {"revision": seen}, follow=True
    )
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert not filing.form_no
    assert "请重新查看后再作决定" in messages_of(response)
    assert not DECISIONS.filter(filing=filing).exists()


def test_return_without_a_reason_is_refused_next_to_the_field(office):
    filing = reported()
    response = office.post(
        reverse("office:return", args=[filing.pk]),
        {"revision": filing.current_revision.number, "reason": "  ", "flag_fields": ["phone"]},
    )
    assert response.status_code == 400
    reason = field_block(response.content.decode(), "reason")
    assert 'class="error"' in reason
    assert "必填" in reason
    # What was ticked is kept.
    assert re.search(r'value="phone"[^>]*checked', response.content.decode())
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED
    assert not DECISIONS.filter(filing=filing).exists()


def test_return_with_flagged_fields_shows_them_to_the_enterprise(office):
    filing = reported()
    response = office.post(
        reverse("office:return", args=[filing.pk]),
        {
            "revision": filing.current_revision.number,
            "reason": "经营场所（英文）与中文不一致，联系电话无法接通",
            "flag_fields": ["premises_en", "phone"],
            "flag_attachments": ["business_licence"],
        },
        follow=True,
    )
    assert "已退回" in messages_of(response)
    filing.refresh_from_db()
    assert filing.status == Status.RETURNED

    enterprise = logged_in(filing.owner)
    detail = html(enterprise.get(reverse("filings:detail", args=[filing.pk])))
    assert "已退回" in detail
    assert "经营场所（英文）与中文不一致，联系电话无法接通" in detail
    assert "深圳市商务局于" in detail
    assert "需重新上传" in detail

    edit = enterprise.get(reverse("filings:edit", args=[filing.pk]))
    assert edit.status_code == 200
    body = html(edit)
    assert "经营场所（英文）与中文不一致，联系电话无法接通" in body
    for name in ("premises_en", "phone"):
        block = field_block(body, name)
        assert re.match(r'<div class="field[^"]*\bflagged\b', block), name
        assert "备案登记机关要求修改此项" in block
    for name in ("name_cn", "premises_cn", "residence"):
        assert "flagged" not in field_block(body, name).split(">", 1)[0], name


def test_cancel_with_a_reason_cancels_and_without_is_refused(office):
    filing = make_filing(status=Status.APPROVED, code=CODE)
    refused = office.post(reverse("office:cancel", args=[filing.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert 'class="error"' in field_block(refused.content.decode(), "reason")
    filing.refresh_from_db()
    assert filing.status == Status.APPROVED

    done = office.post(
        reverse("office:cancel", args=[filing.pk]), {"reason": "企业申请注销"}, follow=True
    )
    assert "已注销" in messages_of(done)
    filing.refresh_from_db()
    assert filing.status == Status.CANCELLED
    decision = DECISIONS.get(filing=filing, kind=FilingEvent.Kind.CANCELLED)
    assert decision.reason == "企业申请注销"
    enterprise = html(logged_in(filing.owner).get(reverse("filings:detail", args=[filing.pk])))
    assert "已注销本备案：企业申请注销" in enterprise


def test_cancel_of_a_reported_filing_is_refused_with_the_reason(office):
    filing = reported()
    response = office.post(reverse("office:cancel", args=[filing.pk]), {"reason": "重复备案"})
    assert response.status_code == 400
    assert "不能注销" in html(response)
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED


# --- notes --------------------------------------------------------------------------------


NOTE = "内部：已电话联系法定代表人核实"


def test_notes_are_for_officers_only(office, sz):
    filing = reported()
    response = office.post(reverse("office:note", args=[filing.pk]), {"body": NOTE}, follow=True)
    assert "备注已保存" in messages_of(response)
    assert NOTE in html(response)
    assert Note.objects.get(filing=filing).author == sz

    empty = office.post(reverse("office:note", args=[filing.pk]), {"body": " "})
    assert empty.status_code == 400
    assert Note.objects.filter(filing=filing).count() == 1

    colleague = logged_in(make_officer(code=CODE))
    assert NOTE in html(colleague.get(reverse("office:review", args=[filing.pk])))

    # The enterprise never sees it, whatever happens to the filing.
    services.filing_return(filing=filing, acting_user=sz, reason="补正")
    enterprise = logged_in(filing.owner)
    pages = [
        reverse("filings:list"),
        reverse("filings:detail", args=[filing.pk]),
        reverse("filings:edit", args=[filing.pk]),
        reverse("filings:history", args=[filing.pk]),
    ]
    for url in pages:
        response = enterprise.get(url)
        assert response.status_code == 200, url
        assert NOTE not in html(response), url
        assert "内部备注" not in html(response), url


# --- enterprise history -------------------------------------------------------------------


def test_enterprise_history_shows_decisions_with_reasons_but_no_officer_names(office, sz):
    filing = reported()
    office.post(
        reverse("office:return", args=[filing.pk]),
        {"revision": filing.current_revision.number, "reason": "请补充营业执照副本"},
    )
    report_as_owner(save_as_owner(filing, phone="0755-12345678"))
    filing.refresh_from_db()
    office.post(
        reverse("office:approve", args=[filing.pk]), {"revision": filing.current_revision.number}
    )
    filing.refresh_from_db()
    assert filing.status == Status.APPROVED

    enterprise = logged_in(filing.owner)
    body = html(enterprise.get(reverse("filings:history", args=[filing.pk])))
    assert "请补充营业执照副本" in body
    assert "退回" in body
    assert "审核通过" in body
    assert "深圳市商务局" in body
    assert sz.username not in body
    # The officer's own history names who did what.
    office_body = html(office.get(reverse("office:review", args=[filing.pk])))
    assert sz.username in office_body
    assert "请补充营业执照副本" in office_body


# --- accounts -----------------------------------------------------------------------------


def legacy_filing(**data) -> Filing:
    return services.filing_import(
        authority=authority(CODE),
        method=Method.USCC,
        data=filing_data(name_cn="深圳老字号进出口有限公司", **data),
        approved_at=datetime(2011, 9, 1, 10, 0, tzinfo=SHANGHAI),
    )


def test_open_account_for_a_legacy_filing_through_the_pages(office, smtp_server, tasks):
    legacy = legacy_filing(email="old-shop@example.cn")
    assert legacy.owner is None

    found = html(office.get(reverse("office:accounts"), {"q": "老字号"}))
    assert "深圳老字号进出口有限公司" in found
    assert "未开通" in found
    assert "（历史备案）" in found
    assert reverse("office:claim", args=[legacy.pk]) in found
    assert 'value="old-shop@example.cn"' in found  # the filed e-mail, to confirm

    back = reverse("office:accounts") + "?q=老字号"
    response = office.post(
        reverse("office:claim", args=[legacy.pk]),
        {"email": "boss@old-shop.cn", "back": back},
        follow=True,
    )
    assert unquote(response.redirect_chain[-1][0]) == back
    assert "开通链接已发送至 boss@old-shop.cn" in messages_of(response)

    assert smtp_server.bodies_to("boss@old-shop.cn") == []
    tasks()
    bodies = smtp_server.bodies_to("boss@old-shop.cn")
    assert len(bodies) == 1
    assert legacy.form_no in bodies[0]
    link = CLAIM_LINK.search(bodies[0]).group(1)

    enterprise = Client()
    form = html(enterprise.get(link))
    assert "深圳老字号进出口有限公司" in form
    for label in ("用户名", "密码", "确认密码"):
        assert f">{label}</label>" in form
    saved = enterprise.post(
        link,
        {"username": "old-shop", "password1": "Claim@2026Key", "password2": "Claim@2026Key"},
        follow=True,
    )
    assert "用户已开通，账户名称：old-shop" in messages_of(saved)
    legacy.refresh_from_db()
    assert legacy.owner.username == "old-shop"
    assert legacy.owner.email == "boss@old-shop.cn"
    assert legacy.owner.role == User.Role.ENTERPRISE

    logged = enterprise.post(
        reverse("accounts:login"), {"username": "old-shop", "password": "Claim@2026Key"}
    )
    assert logged.status_code == 302
    filings = html(enterprise.get(reverse("filings:list")))
    assert legacy.system_no in filings
    assert "深圳老字号进出口有限公司" in filings
    assert "已审核，可变更" in filings

    # The link works once; the officer now sees the username.
    assert Client().get(link).status_code == 404
    found = html(office.get(reverse("office:accounts"), {"q": "老字号"}))
    assert "old-shop" in found
    assert reverse("office:claim", args=[legacy.pk]) not in found


def test_open_account_with_a_bad_email_is_refused(office):
    legacy = legacy_filing()
    response = office.post(
        reverse("office:claim", args=[legacy.pk]), {"email": "not-an-address"}, follow=True
    )
    assert "请填写有效的电子邮箱" in messages_of(response)
    assert not legacy.claims.exists()


def test_open_account_for_a_filing_that_has_one_is_refused(office):
    filing = reported()
    response = office.post(
        reverse("office:claim", args=[filing.pk]), {"email": "x@example.cn"}, follow=True
    )
    assert "该备案已有用户" in messages_of(response)
    assert not filing.claims.exists()


def test_username_lookup_shows_the_owner(office):
    filing = reported(username="shenzhen-clerk")
    for q in (filing.current_revision.uscc, filing.system_no, filing.current_revision.name_cn[2:8]):
        body = html(office.get(reverse("office:accounts"), {"q": q}))
        assert "shenzhen-clerk" in body, q
    # Not for filings of other authorities.
    other = make_filing(status=Status.REPORTED, code="310000", username="shanghai-clerk")
    body = html(office.get(reverse("office:accounts"), {"q": other.system_no}))
    assert "shanghai-clerk" not in body
    assert "没有找到匹配的备案" in body


def test_officer_sends_a_password_reset_mail(office, smtp_server, tasks):
    filing = reported(username="forgetful-sz", email="forgetful@sz.example.cn")
    tasks()
    smtp_server.clear()
    body = html(office.get(reverse("office:accounts"), {"q": filing.system_no}))
    url = reverse("office:password_reset", args=[filing.owner.pk])
    assert url in body
    assert "发送重置密码邮件" in body

    response = office.post(url, {"back": f"/office/accounts/?q={filing.system_no}"}, follow=True)
    assert "重置密码邮件已发送" in messages_of(response)
    tasks()
    bodies = smtp_server.bodies_to("forgetful@sz.example.cn")
    assert len(bodies) == 1
    assert PASSWORD not in bodies[0]
    link = RESET_LINK.search(bodies[0]).group(1)
    reset = Client().get(link, follow=True)
    assert "新密码" in html(reset)


def test_staff_accounts_are_not_found_by_the_lookup(office):
    staff_user_create(
        username="gd-boss",
        password=PASSWORD,
        role=User.Role.SUPERVISOR,
        authority=authority("440000"),
    )
    body = html(office.get(reverse("office:accounts"), {"q": "gd-boss"}))
    assert "没有找到匹配的备案" in body


def test_lookup_needs_two_characters(office):
    filing = reported()
    body = html(office.get(reverse("office:accounts"), {"q": "深"}))
    assert filing.system_no not in body
