"""The filing authority's decisions: 审核通过, 退回, 注销, and internal notes."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.filings import numbering
from tradereg.filings.lifecycle import Action
from tradereg.filings.models import Filing, Status
from tradereg.filings.services.common import (
    check_officer,
    check_transition,
    ie_code_for,
    lock_filing,
)
from tradereg.notifications.services import email_enqueue


def filing_approve(
    *, filing: Filing, acting_user: User, request: HttpRequest | None = None
) -> Filing:
    """审核通过: the reported revision becomes the approved one and is published.

    On first approval the 备案登记表编号 and 进出口企业代码 are assigned; later approvals of
    changes keep them.
    """
    from tradereg.registry.services import registry_publish

    with transaction.atomic():
        filing = lock_filing(filing)
        check_officer(filing, acting_user)
        check_transition(Action.APPROVE, filing)
        revision = filing.current_revision
        if not filing.form_no:
            filing.form_no = numbering.form_no_next()
        if not filing.ie_code:
            filing.ie_code = ie_code_for(authority=filing.authority, revision=revision)
        filing.status = Status.APPROVED
        filing.approved_revision = revision
        filing.approved_at = timezone.now()
        filing.save()
        registry_publish(filing=filing)
        audit_record(
            event="filing_approved",
            actor=acting_user,
            filing=filing,
            request=request,
            revision=revision.number,
            form_no=filing.form_no,
        )
        if filing.owner is not None:
            email_enqueue(
                to=revision.email,
                template="filings/emails/filing_approved",
                context={"filing": filing, "revision": revision},
            )
    return filing
