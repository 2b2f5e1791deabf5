"""The filing services: each transition from every status, its audit event, its e-mail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tradereg.audit.models import AuditEvent
from tradereg.common import codes
from tradereg.filings import services
from tradereg.filings.lifecycle import TRANSITIONS, Action
from tradereg.filings.models import Attachment, Filing, FilingRevision, Method, Status
from tradereg.filings.tests import factories
from tradereg.notifications.models import OutboundEmail
from tradereg.registry.models import PublishedOperator

pytestmark = pytest.mark.django_db


def in_status(status: str) -> Filing:
    """A filing with both attachments (and a re-signed scan once approved), in ``status``."""
    filing = factories.make_filing(status=status)
    if status in (Status.DRAFT, Status.CHANGING):
        factories.attach_required(filing)
    return filing


def events(filing: Filing, name: str) -> int:
    return AuditEvent.objects.filter(filing=filing, event=name).count()


def test_create_makes_account_filing_revision_and_system_no():
    filing = factories.make_filing(username="Alpha.Trade")
    assert filing.status == Status.DRAFT
    assert codes.is_valid_system_no(filing.system_no)
    assert filing.owner.username == "Alpha.Trade"
    assert filing.owner.check_password(factories.PASSWORD)
    assert list(filing.revisions.values_list("number", flat=True)) == [1]
    assert filing.current_revision.kind == FilingRevision.Kind.CREATE
    assert events(filing, "filing_saved") == 1
    assert AuditEvent.objects.filter(event="user_registered", actor=filing.owner).exists()


def test_welcome_email_carries_username_and_system_no_never_the_password():
    filing = factories.make_filing(username="beta-trade")
    message = OutboundEmail.objects.get(to=filing.owner.email)
    assert "beta-trade" in message.body_text
    assert filing.system_no in message.body_text
    assert filing.system_no in message.subject
    assert factories.PASSWORD not in message.body_text + message.body_html + message.subject


def test_create_refuses_a_taken_username_in_any_case():
    factories.make_filing(username="gamma")
    with pytest.raises(ValidationError) as error:
        factories.make_filing(username="GAMMA")
    assert "username" in error.value.message_dict


def test_create_refuses_a_second_open_filing_for_the_same_code():
    first = factories.make_filing()
    with pytest.raises(ValidationError) as error:
        factories.make_filing(**factories.same_operator(first))
    assert "uscc" in error.value.message_dict
    assert Filing.objects.filter(operator_code=first.operator_code).count() == 1


def test_create_rolls_back_the_account_when_the_filing_fails():
    first = factories.make_filing()
    with pytest.raises(ValidationError):
        factories.make_filing(username="late-comer", **factories.same_operator(first))
    from tradereg.accounts.models import User

    assert not User.objects.filter(username="late-comer").exists()


def test_email_task_is_enqueued_with_the_transaction_and_gone_on_rollback():
    before = DBTaskResult.objects.count()
    inside = []

    def create_then_fail():
        with transaction.atomic():
            factories.make_filing()
            inside.append(DBTaskResult.objects.count())
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert inside == [before + 1]
    assert DBTaskResult.objects.count() == before
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.CHANGING])
def test_save_keeps_the_status_and_writes_a_new_revision(status):
    filing = factories.make_filing(status=status)
    before = filing.revisions.count()
    data = factories.filing_data(**factories.same_operator(filing))
    saved = services.filing_save(
        filing=filing, acting_user=filing.owner, authority=filing.authority, data=data
    )
    assert saved.status == status
    assert saved.revisions.count() == before + 1
    assert saved.current_revision.name_cn == data["name_cn"]


def test_edit_while_reported_stays_reported_and_may_move_authority():
    filing = factories.make_filing(status=Status.REPORTED)
    shanghai = factories.authority("310000")
    data = factories.filing_data(**factories.same_operator(filing))
    edited = services.filing_save(
        filing=filing, acting_user=filing.owner, authority=shanghai, data=data
    )
    assert edited.status == Status.REPORTED
    assert edited.authority == shanghai
    assert edited.current_revision.authority == shanghai
    assert edited.current_revision.kind == FilingRevision.Kind.EDIT
    assert events(edited, "filing_edited") == 1


def test_change_after_approval_keeps_the_approved_revision_public():
    filing = factories.make_filing(status=Status.APPROVED)
    approved = filing.approved_revision
    published_name = PublishedOperator.objects.get(filing_id=filing.pk).name_cn
    data = factories.filing_data(
        **factories.same_operator(filing),
        name_cn="北京新名称有限公司",
    )
    changed = services.filing_save(
        filing=filing, acting_user=filing.owner, authority=filing.authority, data=data
    )
    assert changed.status == Status.CHANGING
    assert changed.approved_revision == approved
    assert changed.current_revision != approved
    assert PublishedOperator.objects.get(filing_id=filing.pk).name_cn == published_name
    assert events(changed, "filing_change_started") == 1


@pytest.mark.parametrize("status", [Status.CANCELLED])
def test_save_is_refused_where_no_form_action_applies(status):
    filing = factories.make_filing(status=status)
    with pytest.raises(services.TransitionNotAllowed):
        services.filing_save(
            filing=filing,
            acting_user=filing.owner,
            authority=filing.authority,
            data=factories.filing_data(),
        )


def test_save_by_another_enterprise_is_refused():
    filing = factories.make_filing()
    other = factories.make_filing().owner
    with pytest.raises(PermissionDenied):
        services.filing_save(
            filing=filing,
            acting_user=other,
            authority=filing.authority,
            data=factories.filing_data(),
        )
    assert filing.revisions.count() == 1


@pytest.mark.parametrize("status", list(Status))
def test_report_matrix(status):
    """Allowed sources report (given both attachments); every other status refuses."""
    filing = in_status(status)
    before = events(filing, "filing_reported")
    allowed = status in TRANSITIONS[Action.REPORT].sources
    if allowed:
        reported = services.filing_report(filing=filing, acting_user=filing.owner)
        assert reported.status == Status.REPORTED
        assert events(filing, "filing_reported") == before + 1
    elif status == Status.REPORTED:
        assert services.filing_report(filing=filing, acting_user=filing.owner).status == status
        assert events(filing, "filing_reported") == before
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.filing_report(filing=filing, acting_user=filing.owner)
        filing.refresh_from_db()
        assert filing.status == status
        assert events(filing, "filing_reported") == before


def test_report_needs_both_required_attachments():
    filing = factories.make_filing()
    with pytest.raises(services.TransitionNotAllowed) as refused:
        services.filing_report(filing=filing, acting_user=filing.owner)
    assert "备案登记表扫描件" in str(refused.value)
    assert "营业执照复印件" in str(refused.value)
    services.attachment_add(
        filing=filing, acting_user=filing.owner, kind="signed_form", uploaded=factories.pdf_upload()
    )
    with pytest.raises(services.TransitionNotAllowed) as refused:
        services.filing_report(filing=filing, acting_user=filing.owner)
    assert "营业执照复印件" in str(refused.value)
    assert "备案登记表扫描件" not in str(refused.value)
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


def test_report_twice_reports_once():
    filing = factories.make_filing()
    factories.attach_required(filing)
    services.filing_report(filing=filing, acting_user=filing.owner)
    services.filing_report(filing=filing, acting_user=filing.owner)
    assert events(filing, "filing_reported") == 1


@pytest.mark.parametrize("status", list(Status))
def test_approve_matrix(status):
    filing = in_status(status)
    before = events(filing, "filing_approved")
    officer = factories.make_officer()
    if status in TRANSITIONS[Action.APPROVE].sources:
        approved = services.filing_approve(filing=filing, acting_user=officer)
        assert approved.status == Status.APPROVED
        assert events(filing, "filing_approved") == before + 1
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.filing_approve(filing=filing, acting_user=officer)
        assert events(filing, "filing_approved") == before


def test_approval_assigns_form_no_and_ie_code_and_publishes():
    filing = factories.make_filing(status=Status.APPROVED)
    assert len(filing.form_no) == 8
    assert filing.form_no.isdigit()
    assert filing.ie_code == "1100" + filing.operator_code
    published = PublishedOperator.objects.get(filing_id=filing.pk)
    assert published.ie_code == filing.ie_code
    assert published.authority_name == "北京市商务局"
    assert OutboundEmail.objects.filter(template="filings/emails/filing_approved").exists()


def test_officer_of_another_authority_cannot_approve():
    filing = factories.make_filing(status=Status.REPORTED)
    shanghai_officer = factories.make_officer(code="310000")
    with pytest.raises(PermissionDenied):
        services.filing_approve(filing=filing, acting_user=shanghai_officer)
    filing.refresh_from_db()
    assert filing.status == Status.REPORTED


def test_approving_a_change_keeps_the_form_number_and_code():
    filing = factories.make_filing(status=Status.CHANGING)
    form_no, ie_code = filing.form_no, filing.ie_code
    factories.attach_required(filing)
    services.filing_report(filing=filing, acting_user=filing.owner)
    approved = services.filing_approve(filing=filing, acting_user=factories.make_officer())
    assert (approved.form_no, approved.ie_code) == (form_no, ie_code)
    assert approved.approved_revision == approved.current_revision


def test_attachment_type_is_checked_by_content():
    filing = factories.make_filing()
    fake = factories.SimpleUploadedFile("scan.pdf", b"just text", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.attachment_add(
            filing=filing, acting_user=filing.owner, kind="signed_form", uploaded=fake
        )
    png = factories.SimpleUploadedFile("licence.png", factories.PNG_BYTES)
    attachment = services.attachment_add(
        filing=filing, acting_user=filing.owner, kind="business_licence", uploaded=png
    )
    assert attachment.content_type == "image/png"


def test_replacing_a_required_attachment_keeps_one_current_and_the_old_on_record(
    django_capture_on_commit_callbacks,
):
    filing = factories.make_filing()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.attachment_add(
            filing=filing,
            acting_user=filing.owner,
            kind="signed_form",
            uploaded=factories.pdf_upload(),
        )
    old_name = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_add(
            filing=filing,
            acting_user=filing.owner,
            kind="signed_form",
            uploaded=factories.pdf_upload(),
        )
    assert filing.attachments.filter(kind="signed_form").count() == 1
    first.refresh_from_db()
    assert first.replaced_at is not None
    assert first.file.storage.exists(old_name)  # kept for the officers' history
    assert filing.all_attachments.filter(kind="signed_form").count() == 2
    assert events(filing, "attachment_replaced") == 1


def test_other_materials_may_be_several():
    filing = factories.make_filing()
    for _ in range(3):
        services.attachment_add(
            filing=filing, acting_user=filing.owner, kind="other", uploaded=factories.pdf_upload()
        )
    assert filing.attachments.filter(kind=Attachment.Kind.OTHER).count() == 3


def test_attachments_cannot_be_deleted_once_reported():
    filing = factories.make_filing(status=Status.REPORTED)
    attachment = filing.attachments.first()
    with pytest.raises(services.TransitionNotAllowed):
        services.attachment_delete(attachment=attachment, acting_user=filing.owner)
    assert filing.attachments.count() == 2


def test_import_publishes_an_approved_filing_without_owner():
    from datetime import datetime

    from django.utils import timezone

    data = factories.filing_data()
    filing = services.filing_import(
        authority=factories.authority("440300"),
        method=Method.USCC,
        data=data,
        approved_at=datetime(2012, 5, 4, 10, tzinfo=timezone.get_current_timezone()),
    )
    assert filing.owner is None
    assert filing.is_legacy
    assert filing.status == Status.APPROVED
    assert filing.ie_code.startswith("4403")
    assert PublishedOperator.objects.filter(filing_id=filing.pk).exists()
