"""Reads of filings, always scoped to who is asking."""

import time
from typing import Any, Literal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from tradereg.accounts.models import User
from tradereg.accounts.selectors import authority_scope
from tradereg.common.errors import OutOfScope
from tradereg.filings.models import Attachment, Filing, FilingEvent, Status

CREATED_IN_SESSION = "created_filings"
PRINT_AFTER_SAVE_SECONDS = 2 * 60 * 60


def filing_list_for_owner(*, user: User) -> QuerySet[Filing]:
    return (
        Filing.objects.filter(owner=user)
        .select_related("authority", "current_revision", "approved_revision")
        .order_by("-created_at")
    )


def filing_get_for_owner(*, user: User, pk: int) -> Filing:
    """The filing if the user owns it; 404 otherwise, so other filings' existence is hidden."""
    if not user.is_authenticated:
        raise Http404
    filing = (
        Filing.objects.select_related("authority", "current_revision__operator_type")
        .filter(pk=pk)
        .first()
    )
    if filing is None:
        raise Http404
    if filing.owner_id != user.pk:
        raise OutOfScope("filing", pk)
    return filing


def remember_created(*, request: HttpRequest, filing: Filing) -> None:
    """Let this browser print the application form it has just saved, for a while."""
    kept = [entry for entry in request.session.get(CREATED_IN_SESSION, []) if entry[0] != filing.pk]
    request.session[CREATED_IN_SESSION] = [*kept, [filing.pk, int(time.time())]][-10:]


def _created_recently(request: HttpRequest, pk: int) -> bool:
    now = time.time()
    return any(
        entry[0] == pk and now - entry[1] < PRINT_AFTER_SAVE_SECONDS
        for entry in request.session.get(CREATED_IN_SESSION, [])
    )


def filing_get_for_print(*, request: HttpRequest, pk: int) -> Filing:
    """The owner may print; so may the anonymous browser session that has just saved the
    filing (for two hours), so that it can be signed before the first login.
    """
    user = request.user
    filing = Filing.objects.filter(pk=pk).select_related("authority").first()
    if filing is None:
        raise Http404
    if user.is_authenticated:
        if filing.owner_id == user.pk:
            return filing
        raise Http404
    if _created_recently(request, pk):
        return filing
    raise Http404


def attachment_get_for_user(*, user: User, filing_pk: int, pk: int) -> Attachment:
    """Attachments are served to the owner and to the staff whose scope holds the filing's
    authority (its officers; supervisors above it and national admins, read-only)."""
    if not user.is_authenticated:
        raise Http404
    attachment = get_object_or_404(
        Attachment.objects.select_related("filing"), pk=pk, filing_id=filing_pk
    )
    filing = attachment.filing
    if filing.owner_id == user.pk:
        return attachment
    if authority_scope(user=user).filter(pk=filing.authority_id).exists():
        return attachment
    raise OutOfScope("attachment", pk)


def attachment_usage(*, filing: Filing) -> tuple[int, int]:
    """How many current files the filing holds and their bytes, for the per-filing limits."""
    totals = filing.attachments.aggregate(count=Count("pk"), total=Sum("size"))
    return totals["count"], totals["total"] or 0


def decision_latest(*, filing: Filing) -> FilingEvent | None:
    """The last officer decision, shown to the enterprise with its reason."""
    return (
        filing.events.filter(kind__in=FilingEvent.DECISIONS)
        .select_related("authority", "revision")
        .order_by("-created_at", "-id")
        .first()
    )


def flagged_items(*, filing: Filing) -> tuple[list[str], list[str]]:
    """Fields and attachment kinds a return asked to correct, while it is still returned."""
    latest = decision_latest(filing=filing)
    if (
        filing.status != Status.RETURNED
        or latest is None
        or latest.kind != FilingEvent.Kind.RETURNED
    ):
        return [], []
    return list(latest.fields), list(latest.attachment_kinds)


Audience = Literal["owner", "staff"]


def filing_history(*, filing: Filing, audience: Audience) -> list[dict[str, Any]]:
    """The filing's 办理记录, newest first, from its own event table.

    The enterprise (``owner``) sees every step with its reasons but not which officer
    took it; staff also see who acted. Audit events are never read here.
    """
    events = filing.events.select_related("authority", "revision").order_by("-created_at", "-id")
    return [
        {
            "at": e.created_at,
            "kind": "decision" if e.is_decision else "step",
            "event": e.kind,
            "label": e.label,
            "number": e.revision.number,
            "who": e.actor_name if audience == "staff" or not e.is_decision else "",
            "authority": e.authority.name,
            "reason": e.reason,
        }
        for e in events
    ]
