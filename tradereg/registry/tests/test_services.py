"""Publishing: the public copy and its name-search postings follow approvals."""

from datetime import datetime

import pytest
from django.utils import timezone

from tradereg.filings import services
from tradereg.filings.models import Method, Status
from tradereg.filings.publication import filing_publish, published_values
from tradereg.filings.tests.factories import (
    attach_signed_form,
    authority,
    filing_data,
    make_filing,
    make_officer,
    same_operator,
)
from tradereg.registry import selectors
from tradereg.registry import services as registry_services
from tradereg.registry.grams import approved_us, grams, operator_key
from tradereg.registry.models import OperatorNameGram, PublishedForm, PublishedOperator
from tradereg.registry.services import CODE_ALPHABET, CODE_LENGTH, registry_publish

pytestmark = pytest.mark.usefixtures("reference_data")


def postings_of(operator: PublishedOperator) -> set[tuple[str, int]]:
    return set(
        OperatorNameGram.objects.filter(operator=operator).values_list("gram", "approved_us")
    )


def report_renamed(filing, name_cn: str):
    """变更 of the Chinese name, re-signed and reported: pending, not yet public."""
    changed = services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=filing_data(name_cn=name_cn, **same_operator(filing)),
    )
    attach_signed_form(changed)
    return services.filing_report(filing=changed, acting_user=filing.owner)


def test_approval_publishes_the_key_and_postings():
    filing = make_filing(status=Status.APPROVED, name_cn="远航贸易有限公司", name_en="Yuanhang")
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    assert operator.search_key == operator_key(name_cn="远航贸易有限公司", name_en="Yuanhang")
    moment = approved_us(operator.approved_at)
    assert postings_of(operator) == {(gram, moment) for gram in grams(operator.search_key)}


def test_publish_is_idempotent():
    filing = make_filing(status=Status.APPROVED)
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    before = postings_of(operator)
    filing_publish(filing=filing)
    again = PublishedOperator.objects.get(filing_id=filing.pk)
    assert again.pk == operator.pk
    assert PublishedOperator.objects.filter(filing_id=filing.pk).count() == 1
    assert postings_of(again) == before


def test_approved_change_replaces_name_and_postings():
    filing = make_filing(status=Status.APPROVED, name_cn="旧名称贸易有限公司")
    changed = report_renamed(filing, "新名称科技有限公司")
    assert [row.name_cn for row in selectors.operator_search(query="旧名称").rows] == [
        "旧名称贸易有限公司"
    ]
    assert selectors.operator_search(query="新名称").rows == []
    services.filing_approve(filing=changed, acting_user=make_officer())
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    assert selectors.operator_search(query="旧名称").rows == []
    assert [row.pk for row in selectors.operator_search(query="新名称").rows] == [operator.pk]
    moment = approved_us(operator.approved_at)
    assert postings_of(operator) == {(gram, moment) for gram in grams(operator.search_key)}


def test_cancelled_filing_stays_findable_and_marked():
    filing = make_filing(status=Status.APPROVED, name_cn="注销测试贸易有限公司")
    services.filing_cancel(filing=filing, acting_user=make_officer(), reason="企业申请注销")
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    assert operator.status == PublishedOperator.Status.CANCELLED
    assert operator.get_status_display() == "已注销"
    assert [row.pk for row in selectors.operator_search(query="注销测试").rows] == [operator.pk]


def test_published_copy_holds_no_id_number():
    filing = make_filing(status=Status.APPROVED)
    id_number = filing.approved_revision.id_number
    fields = {field.name for field in PublishedOperator._meta.get_fields()}
    assert not {"id_number", "id_type", "email"} & fields
    values = PublishedOperator.objects.filter(filing_id=filing.pk).values().get()
    assert all(id_number not in str(value) for value in values.values())


# --- the published form and its verification code -----------------------------------------


def forms_of(filing) -> list[PublishedForm]:
    return list(PublishedForm.objects.filter(filing_id=filing.pk).order_by("revision_number"))


def test_approval_writes_the_form_as_printed_with_its_code():
    filing = make_filing(status=Status.APPROVED)
    revision = filing.approved_revision
    [form] = forms_of(filing)
    assert form.revision_number == revision.number
    assert (form.system_no, form.form_no, form.ie_code) == (
        filing.system_no,
        filing.form_no,
        filing.ie_code,
    )
    assert form.name_cn == revision.name_cn
    assert form.operator_type == revision.operator_type.name
    assert form.section == revision.operator_type.section
    assert form.currency == revision.currency.name
    assert form.id_type == revision.get_id_type_display()
    assert form.capital == format(revision.capital.normalize(), "f")
    assert "E" not in form.capital
    assert form.registration_date == (
        f"{revision.registration_date.year}年{revision.registration_date.month}月"
        f"{revision.registration_date.day}日"
    )
    assert form.authority_name == revision.authority.name
    assert form.approved_at == filing.approved_at
    assert len(form.code) == CODE_LENGTH
    assert set(form.code) <= set(CODE_ALPHABET)


def test_published_form_holds_the_id_number_masked_only():
    filing = make_filing(status=Status.APPROVED)
    revision = filing.approved_revision
    [form] = forms_of(filing)
    assert form.masked_id_number == revision.masked_id_number
    assert form.masked_id_number.count("*") >= 2 * len(revision.id_number) / 3
    assert "id_number" not in {field.name for field in PublishedForm._meta.get_fields()}
    values = PublishedForm.objects.filter(filing_id=filing.pk).values().get()
    assert all(revision.id_number not in str(value) for value in values.values())


def test_no_form_before_approval_and_none_for_a_pending_change():
    for status in (Status.DRAFT, Status.REPORTED, Status.RETURNED):
        assert forms_of(make_filing(status=status)) == []
    changing = make_filing(status=Status.CHANGING)
    attach_signed_form(changing)
    services.filing_report(filing=changing, acting_user=changing.owner)
    [form] = forms_of(changing)
    assert form.revision_number == changing.approved_revision.number


def test_each_approved_revision_gets_its_own_form_and_code():
    filing = make_filing(status=Status.APPROVED, name_cn="旧名称贸易有限公司")
    changed = report_renamed(filing, "新名称科技有限公司")
    changed = services.filing_approve(filing=changed, acting_user=make_officer())
    old, new = forms_of(changed)
    assert (old.name_cn, new.name_cn) == ("旧名称贸易有限公司", "新名称科技有限公司")
    assert new.revision_number == changed.approved_revision.number
    assert old.code != new.code
    assert old.form_no == new.form_no


def test_cancel_keeps_the_form_and_its_code():
    filing = make_filing(status=Status.APPROVED)
    [before] = forms_of(filing)
    services.filing_cancel(filing=filing, acting_user=make_officer(), reason="企业申请注销")
    [after] = forms_of(filing)
    assert (after.pk, after.code) == (before.pk, before.code)


def test_import_issues_the_code_too():
    legacy = services.filing_import(
        authority=authority("110000"),
        method=Method.USCC,
        data=filing_data(),
        approved_at=datetime(2010, 3, 1, 9, tzinfo=timezone.get_current_timezone()),
    )
    [form] = forms_of(legacy)
    assert form.revision_number == legacy.approved_revision.number
    assert form.form_no == legacy.form_no
    assert len(form.code) == CODE_LENGTH


def test_a_code_already_taken_is_drawn_again(monkeypatch):
    first = make_filing(status=Status.APPROVED)
    taken = forms_of(first)[0].code
    drawn = iter([taken, taken, "ABCDEFGHJK"])
    monkeypatch.setattr(registry_services, "verification_code_new", lambda: next(drawn))
    second = make_filing(status=Status.APPROVED)
    assert forms_of(second)[0].code == "ABCDEFGHJK"


def test_publish_refuses_values_without_a_printed_field():
    filing = make_filing(status=Status.APPROVED)
    values = published_values(filing)
    del values["masked_id_number"]
    with pytest.raises(KeyError):
        registry_publish(filing_id=filing.pk, values=values)
