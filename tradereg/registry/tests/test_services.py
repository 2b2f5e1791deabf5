"""Publishing: the public copy and its name-search postings follow approvals."""

import pytest

from tradereg.filings import services
from tradereg.filings.models import Status
from tradereg.filings.publication import filing_publish
from tradereg.filings.tests.factories import (
    attach_signed_form,
    filing_data,
    make_filing,
    make_officer,
    same_operator,
)
from tradereg.registry import selectors
from tradereg.registry.grams import approved_us, grams, operator_key
from tradereg.registry.models import OperatorNameGram, PublishedOperator

pytestmark = pytest.mark.usefixtures("reference_data")


def postings_of(operator: PublishedOperator) -> set[tuple[str, int]]:
    return set(
        OperatorNameGram.objects.filter(operator=operator).values_list("gram", "approved_us")
    )


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
    changed = services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=filing_data(name_cn="新名称科技有限公司", **same_operator(filing)),
    )
    attach_signed_form(changed)
    services.filing_report(filing=changed, acting_user=filing.owner)
    assert [row.name_cn for row in selectors.operator_search(query="旧名称").rows] == [
        "旧名称贸易有限公司"
    ]
    assert selectors.operator_search(query="新名称").rows == []
    services.filing_approve(filing=changed, acting_user=make_officer())
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    assert selectors.operator_search(query="旧名称").rows == []
    assert selectors.operator_search(query="新名称").rows == [operator]
    moment = approved_us(operator.approved_at)
    assert postings_of(operator) == {(gram, moment) for gram in grams(operator.search_key)}


def test_cancelled_filing_stays_findable_and_marked():
    filing = make_filing(status=Status.APPROVED, name_cn="注销测试贸易有限公司")
    services.filing_cancel(filing=filing, acting_user=make_officer(), reason="企业申请注销")
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    assert operator.status == PublishedOperator.Status.CANCELLED
    assert operator.get_status_display() == "已注销"
    assert selectors.operator_search(query="注销测试").rows == [operator]


def test_published_copy_holds_no_id_number():
    filing = make_filing(status=Status.APPROVED)
    id_number = filing.approved_revision.id_number
    fields = {field.name for field in PublishedOperator._meta.get_fields()}
    assert not {"id_number", "id_type", "email"} & fields
    values = PublishedOperator.objects.filter(filing_id=filing.pk).values().get()
    assert all(id_number not in str(value) for value in values.values())
