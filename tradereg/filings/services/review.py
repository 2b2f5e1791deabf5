"""The filing authority's decisions: 审核通过, 退回, 注销, and internal notes.

Each decision goes through ``transition_apply``: it locks the filing, checks the officer
belongs to its authority and that the revision they looked at is still the one under
review, so that of two officers (or an officer and an enterprise editing) exactly one
wins and the other is told why.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.filings import numbering
from tradereg.filings.lifecycle import Action, Context
from tradereg.filings.models import Attachment, Filing, FilingRevision, Note
from tradereg.filings.services.common import REVISION_FIELDS, ie_code_for
from tradereg.filings.services.transitions import transition_apply


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
    audit_data: dict[str, object] = {}

    def write(locked: Filing) -> FilingRevision:
        revision = locked.revision
        audit_data["is_change"] = locked.has_been_approved
        if not locked.form_no:
            locked.form_no = numbering.form_no_next()
        if not locked.ie_code:
            locked.ie_code = ie_code_for(authority=locked.authority, revision=revision)
        locked.approved_revision = revision
        locked.approved_at = timezone.now()
        audit_data["form_no"] = locked.form_no
        return revision

    return transition_apply(
        action=Action.APPROVE,
        filing=filing,
        user=acting_user,
        write=write,
        context=Context(expected_revision=expected_revision),
        request=request,
        audit_data=audit_data,
    )


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
    fields = [f for f in (fields or []) if f in RETURNABLE_FIELDS]
    kinds = [k for k in (attachment_kinds or []) if k in Attachment.Kind.values]
    return transition_apply(
        action=Action.RETURN,
        filing=filing,
        user=acting_user,
        context=Context(expected_revision=expected_revision, reason=reason),
        request=request,
        event_fields={"fields": fields, "attachment_kinds": kinds},
        audit_data={"fields": fields, "attachment_kinds": kinds},
    )


def filing_cancel(
    *,
    filing: Filing,
    acting_user: User,
    reason: str,
    request: HttpRequest | None = None,
) -> Filing:
    """注销 with a reason: the filing is cancelled and the registry shows it as such."""
    return transition_apply(
        action=Action.CANCEL,
        filing=filing,
        user=acting_user,
        write=lambda locked: locked.approved_revision,
        context=Context(reason=reason),
        request=request,
    )


def note_add(
    *, filing: Filing, acting_user: User, body: str, request: HttpRequest | None = None
) -> Note:
    """An internal note; officers of the filing's authority only, never shown to others."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("请填写备注内容。")})
    notes: list[Note] = []

    def write(locked: Filing) -> None:
        notes.append(
            Note.objects.create(
                filing=locked, author=acting_user, authority=locked.authority, body=body[:2000]
            )
        )

    with transaction.atomic():
        transition_apply(
            action=Action.NOTE,
            filing=filing,
            user=acting_user,
            write=write,
            request=request,
            audit_event="note_added",
        )
    return notes[0]
