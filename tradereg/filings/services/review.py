"""The filing authority's decisions: 审核通过, 退回, 注销, and internal notes.

Each decision locks the filing, checks the officer belongs to its authority and that the
revision they looked at is still the one under review, so that of two officers (or an
officer and an enterprise editing) exactly one wins and the other is told why.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.filings import numbering
from tradereg.filings.lifecycle import Action
from tradereg.filings.models import Attachment, Decision, Filing, Note, Status
from tradereg.filings.services.common import (
    REVISION_FIELDS,
    TransitionNotAllowed,
    check_officer,
    check_transition,
    ie_code_for,
    lock_filing,
)
from tradereg.notifications.services import email_enqueue


def _check_revision(filing: Filing, expected_revision: int | None) -> None:
    if expected_revision is not None and filing.current_revision.number != expected_revision:
        raise TransitionNotAllowed(
            _("该备案在您查看后已被修改（现为第%(n)d版），请重新查看后再作决定。")
            % {"n": filing.current_revision.number}
        )


def _decide(
    *, filing: Filing, acting_user: User, action: Action, expected_revision: int | None
) -> Filing:
    filing = lock_filing(filing)
    check_officer(filing, acting_user)
    check_transition(action, filing)
    _check_revision(filing, expected_revision)
    return filing


def _record(
    *,
    filing: Filing,
    kind: str,
    revision,
    acting_user: User,
    request: HttpRequest | None,
    reason: str = "",
    fields: list[str] | None = None,
    attachment_kinds: list[str] | None = None,
    **audit_data,
) -> Decision:
    """The decision row, its audit event (``filing_<kind>``) and the e-mail to the owner."""
    if kind == Decision.Kind.RETURNED:
        audit_data.update(fields=fields or [], attachment_kinds=attachment_kinds or [])
    decision = Decision.objects.create(
        filing=filing,
        revision=revision,
        kind=kind,
        reason=reason,
        fields=fields or [],
        attachment_kinds=attachment_kinds or [],
        officer=acting_user,
        authority=filing.authority,
    )
    audit_record(
        event=f"filing_{kind}",
        actor=acting_user,
        filing=filing,
        request=request,
        revision=revision.number,
        **audit_data,
    )
    if filing.owner is not None:
        email_enqueue(
            to=filing.current_revision.email,
            template=f"filings/emails/filing_{kind}",
            context={"filing": filing, "revision": filing.current_revision, "decision": decision},
        )
    return decision


def filing_approve(
    *,
    filing: Filing,
    acting_user: User,
    expected_revision: int | None = None,
    request: HttpRequest | None = None,
) -> Filing:
    """审核通过: the reported revision becomes the approved one and is published.

    On first approval the 备案登记表编号 and 进出口企业代码 are assigned; later approvals of
    changes keep them. The enterprise is e-mailed.
    """
    from tradereg.registry.services import registry_publish

    with transaction.atomic():
        filing = _decide(
            filing=filing,
            acting_user=acting_user,
            action=Action.APPROVE,
            expected_revision=expected_revision,
        )
        revision = filing.current_revision
        is_change = filing.has_been_approved
        if not filing.form_no:
            filing.form_no = numbering.form_no_next()
        if not filing.ie_code:
            filing.ie_code = ie_code_for(authority=filing.authority, revision=revision)
        filing.status = Status.APPROVED
        filing.approved_revision = revision
        filing.approved_at = timezone.now()
        filing.save()
        registry_publish(filing=filing)
        _record(
            filing=filing,
            kind=Decision.Kind.APPROVED,
            revision=revision,
            acting_user=acting_user,
            request=request,
            form_no=filing.form_no,
            is_change=is_change,
        )
    return filing


RETURNABLE_FIELDS = frozenset(REVISION_FIELDS) | {"authority"}


def filing_return(
    *,
    filing: Filing,
    acting_user: User,
    reason: str,
    fields: list[str] | None = None,
    attachment_kinds: list[str] | None = None,
    expected_revision: int | None = None,
    request: HttpRequest | None = None,
) -> Filing:
    """退回 with a reason (required), optionally naming the fields and attachments to
    correct; the enterprise sees them highlighted and is e-mailed the reason.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因。")})
    fields = [f for f in (fields or []) if f in RETURNABLE_FIELDS]
    kinds = [k for k in (attachment_kinds or []) if k in Attachment.Kind.values]
    with transaction.atomic():
        filing = _decide(
            filing=filing,
            acting_user=acting_user,
            action=Action.RETURN,
            expected_revision=expected_revision,
        )
        filing.status = Status.RETURNED
        filing.save(update_fields=["status", "updated_at"])
        _record(
            filing=filing,
            kind=Decision.Kind.RETURNED,
            revision=filing.current_revision,
            acting_user=acting_user,
            request=request,
            reason=reason,
            fields=fields,
            attachment_kinds=kinds,
        )
    return filing


def filing_cancel(
    *,
    filing: Filing,
    acting_user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> Filing:
    """注销 with a reason: the filing is cancelled and the registry shows it as such."""
    from tradereg.registry.services import registry_publish

    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写注销原因。")})
    with transaction.atomic():
        filing = _decide(
            filing=filing, acting_user=acting_user, action=Action.CANCEL, expected_revision=None
        )
        filing.status = Status.CANCELLED
        filing.save(update_fields=["status", "updated_at"])
        registry_publish(filing=filing)
        _record(
            filing=filing,
            kind=Decision.Kind.CANCELLED,
            revision=filing.approved_revision,
            acting_user=acting_user,
            request=request,
            reason=reason,
        )
    return filing


def note_add(
    *, filing: Filing, acting_user: User, body: str, request: HttpRequest | None = None
) -> Note:
    """An internal note; officers of the filing's authority only, never shown to others."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("请填写备注内容。")})
    with transaction.atomic():
        filing = lock_filing(filing)
        check_officer(filing, acting_user)
        note = Note.objects.create(
            filing=filing, author=acting_user, authority=filing.authority, body=body[:2000]
        )
        audit_record(event="note_added", actor=acting_user, filing=filing, request=request)
    return note
