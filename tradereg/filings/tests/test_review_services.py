"""The officer's decisions: 审核通过, 退回, 注销 and notes, from every status."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tradereg.audit.models import AuditEvent
from tradereg.filings import services
from tradereg.filings.lifecycle import TRANSITIONS, Action
from tradereg.filings.models import Filing, FilingEvent, Note, Status
from tradereg.filings.tests import factories
from tradereg.notifications.models import OutboundEmail
from tradereg.registry.models import PublishedOperator

pytestmark = pytest.mark.django_db


def in_status(status: str) -> Filing:
    """A filing walked to ``status`` for the matrix, with its attachments."""
    filing = factories.make_filing(status=status)
    if status == Status.DRAFT:
        factories.attach_required(filing)
    return filing


@pytest.mark.parametrize("status", list(Status))
def test_return_matrix(status):
    filing = in_status(status)
    officer = factories.make_officer()
    returns = AuditEvent.objects.filter(filing=filing, event="filing_returned")
    before = returns.count()
    if status in TRANSITIONS[Action.RETURN].sources:
        returned = services.filing_return(filing=filing, acting_user=officer, reason="材料不全")
        assert returned.status == Status.RETURNED
        assert returns.count() == before + 1
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.filing_return(filing=filing, acting_user=officer, reason="材料不全")
        assert returns.count() == before


@pytest.mark.parametrize("status", list(Status))
def test_cancel_matrix(status):
    allowed = status in TRANSITIONS[Action.CANCEL].sources
    filing = factories.make_filing(status=Status.APPROVED) if allowed else in_status(status)
    officer = factories.make_officer()
    cancels = AuditEvent.objects.filter(filing=filing, event="filing_cancelled")
    before = cancels.count()
    if allowed:
        cancelled = services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请")
        assert cancelled.status == Status.CANCELLED
        assert cancels.count() == before + 1
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请")


def test_return_needs_a_reason_and_keeps_the_status():
    filing = factories.make_filing(status=Status.REPORTED)
    with pytest.raises(ValidationError):
        services.filing_return(filing=filing, acting_user=factories.make_officer(), reason="  ")
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED


def test_return_records_reason_fields_and_attachments_and_emails_the_reason():
    filing = factories.make_filing(status=Status.REPORTED)
    officer = factories.make_officer()
    services.filing_return(
        filing=filing,
        acting_user=officer,
        reason="经营场所（英文）有误",
        fields=["premises_en", "not_a_field"],
        attachment_kinds=["business_licence", "bogus"],
    )
    decision = FilingEvent.objects.get(filing=filing, kind__in=FilingEvent.DECISIONS)
    assert decision.kind == FilingEvent.Kind.RETURNED
    assert decision.fields == ["premises_en"]
    assert decision.attachment_kinds == ["business_licence"]
    mail = OutboundEmail.objects.get(template="filings/emails/filing_returned")
    assert "经营场所（英文）有误" in mail.body_text


def test_returned_filing_is_corrected_and_reported_again():
    filing = factories.make_filing(status=Status.REPORTED)
    services.filing_return(filing=filing, acting_user=factories.make_officer(), reason="补正")
    filing.refresh_from_db()
    data = factories.filing_data(**factories.same_operator(filing), name_cn="北京补正后有限公司")
    services.filing_save(
        filing=filing, acting_user=filing.owner, authority=filing.authority, data=data
    )
    reported = services.filing_report(filing=filing, acting_user=filing.owner)
    assert reported.status == Status.REPORTED
    assert reported.current_revision.name_cn == "北京补正后有限公司"


def test_a_returned_change_keeps_the_approved_revision_public():
    filing = factories.make_filing(status=Status.CHANGING)
    approved_name = filing.approved_revision.name_cn
    factories.attach_signed_form(filing)
    services.filing_report(filing=filing, acting_user=filing.owner)
    services.filing_return(
        filing=filing, acting_user=factories.make_officer(), reason="变更材料不全"
    )
    filing.refresh_from_db()
    assert filing.status == Status.RETURNED
    assert filing.approved_revision.name_cn == approved_name
    assert PublishedOperator.objects.get(filing_id=filing.pk).name_cn == approved_name


def test_cancel_marks_the_registry_copy_and_emails():
    filing = factories.make_filing(status=Status.APPROVED)
    services.filing_cancel(filing=filing, acting_user=factories.make_officer(), reason="企业注销")
    published = PublishedOperator.objects.get(filing_id=filing.pk)
    assert published.status == PublishedOperator.Status.CANCELLED
    assert OutboundEmail.objects.filter(template="filings/emails/filing_cancelled").exists()


def test_cancelled_operator_may_file_again():
    filing = factories.make_filing(status=Status.APPROVED)
    services.filing_cancel(filing=filing, acting_user=factories.make_officer(), reason="企业注销")
    again = factories.make_filing(**factories.same_operator(filing))
    assert again.operator_code == filing.operator_code


@pytest.mark.parametrize("decide", ["approve", "return"])
def test_decision_on_a_stale_revision_is_refused(decide):
    filing = factories.make_filing(status=Status.REPORTED)
    seen = filing.current_revision.number
    services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=factories.filing_data(**factories.same_operator(filing)),
    )
    officer = factories.make_officer()
    if decide == "approve":
        action = services.filing_approve
        kwargs = {}
    else:
        action = services.filing_return
        kwargs = {"reason": "x"}
    with pytest.raises(services.TransitionNotAllowed) as refused:
        action(filing=filing, acting_user=officer, expected_revision=seen, **kwargs)
    assert "已被修改" in str(refused.value)
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED


def test_the_second_of_two_decisions_is_refused():
    filing = factories.make_filing(status=Status.REPORTED)
    first, second = factories.make_officer(), factories.make_officer()
    services.filing_approve(filing=filing, acting_user=first)
    with pytest.raises(services.TransitionNotAllowed):
        services.filing_return(filing=filing, acting_user=second, reason="迟到的退回")
    assert FilingEvent.objects.filter(filing=filing, kind__in=FilingEvent.DECISIONS).count() == 1


def test_edit_to_another_authority_moves_the_filing_out_of_reach():
    filing = factories.make_filing(status=Status.REPORTED)
    beijing_officer = factories.make_officer(code="110000")
    services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=factories.authority("310000"),
        data=factories.filing_data(**factories.same_operator(filing)),
    )
    with pytest.raises(PermissionDenied):
        services.filing_approve(filing=filing, acting_user=beijing_officer)
    approved = services.filing_approve(
        filing=filing, acting_user=factories.make_officer(code="310000")
    )
    assert approved.ie_code.startswith("3100")


def test_notes_are_for_officers_of_the_authority():
    filing = factories.make_filing(status=Status.REPORTED)
    note = services.note_add(filing=filing, acting_user=factories.make_officer(), body="已电话核实")
    assert Note.objects.get() == note
    with pytest.raises(PermissionDenied):
        services.note_add(
            filing=filing, acting_user=factories.make_officer(code="310000"), body="越权"
        )
    with pytest.raises(PermissionDenied):
        services.note_add(filing=filing, acting_user=filing.owner, body="企业不能写")
