"""The one function that moves a filing along its life cycle (decision 0008).

Every service that changes a filing calls ``transition_apply``: it locks the row, checks
that the person may take the transition in this status and that its guards pass, lets the
caller write what is particular to it (a revision, numbers), sets the status, writes the
history event (and counts it in the statistics) and the audit event, publishes when the
transition says so and queues the e-mail — all in one transaction, so the mail, the
published copy and the figures exist only if the change is committed.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.filings.figures import figure_record
from tradereg.filings.lifecycle import (
    TRANSITIONS,
    Action,
    Actor,
    Context,
    TransitionNotAllowed,
    allows,
    may_act,
    refusal_for,
)
from tradereg.filings.models import Filing, FilingEvent, FilingRevision, status_writable
from tradereg.filings.publication import filing_publish
from tradereg.notifications.services import email_enqueue

Write = Callable[[Filing], FilingRevision | None]


def lock_filing(filing: Filing) -> Filing:
    """The filing row, locked until the transaction ends (PostgreSQL); on SQLite the
    immediate transaction already serialises writers."""
    # Only the filing row is locked (of=self), and the revisions are read after the lock:
    # joined in the locking query, PostgreSQL would recheck a row a concurrent save has
    # just moved to a new revision against the old join and hand back no revision at all.
    return (
        Filing.objects.select_for_update(of=("self",)).select_related("authority").get(pk=filing.pk)
    )


def transition_apply(
    *,
    action: Action,
    filing: Filing,
    user: User | None,
    write: Write | None = None,
    context: Context | None = None,
    request: HttpRequest | None = None,
    event_fields: dict[str, Any] | None = None,
    audit_event: str | Callable[[], str] | None = None,
    audit_data: dict[str, Any] | None = None,
    email_to: str | None = None,
    email_context: dict[str, Any] | None = None,
) -> Filing:
    """Apply the transition ``action`` to ``filing`` on behalf of ``user``.

    ``filing`` is an unsaved row for the transitions that create one (新建, 导入).
    ``write`` runs on the locked filing after every check has passed and returns the
    revision the event is about (default: the current one). Raises PermissionDenied when
    the person may not act on this filing, TransitionNotAllowed (with a message for them)
    when its status or a guard forbids it, ValidationError for a missing reason.
    """
    transition = TRANSITIONS[action]
    context = context or Context()
    with transaction.atomic():
        if transition.creates:
            if filing.pk is not None:
                raise TransitionNotAllowed(refusal_for(action, filing))
            if transition.actor == Actor.NEW_ENTERPRISE and (
                user is None or filing.owner_id != user.pk
            ):
                raise PermissionDenied
            status_before = ""
            with status_writable():
                filing.status = transition.target
            filing.save()
        else:
            filing = lock_filing(filing)
            # A link holder's link has been checked by the calling service.
            if transition.actor != Actor.LINK_HOLDER and not may_act(
                transition.actor, filing, user
            ):
                raise PermissionDenied
            if not allows(transition, filing):
                raise TransitionNotAllowed(refusal_for(action, filing))
            status_before = filing.status
        if transition.needs_reason and not context.reason.strip():
            raise ValidationError(
                {"reason": _("请填写%(action)s原因。") % {"action": transition.label}}
            )
        for guard in transition.guards:
            guard(filing, context)
        is_change = filing.approved_revision_id is not None
        revision = (write(filing) if write else None) or filing.current_revision
        if revision is None:
            raise ValueError("a filing always has a revision once created")
        if transition.target is not None and filing.status != transition.target:
            with status_writable():
                filing.status = transition.target
        filing.save()
        if user is None and transition.actor == Actor.LINK_HOLDER:
            user = filing.owner  # the account the link has just created
        event = None
        if transition.event is not None:
            event = FilingEvent.objects.create(
                filing=filing,
                kind=transition.event,
                revision=revision,
                authority=filing.authority,
                actor=user if user is not None and user.is_authenticated else None,
                actor_name=user.get_username() if user is not None else "",
                status_before=status_before,
                status_after=filing.status,
                is_change=is_change,
                reason=context.reason.strip(),
                **(event_fields or {}),
            )
            figure_record(event=event)
        if callable(audit_event):
            audit_event = audit_event()
        audit_record(
            event=audit_event or transition.audit or f"filing_{action}",
            actor=user,
            filing=filing,
            request=request,
            revision=revision.number,
            **(audit_data or {}),
        )
        if transition.publishes:
            filing_publish(filing=filing)
        current = filing.current_revision or revision
        recipient = email_to or (current.email if filing.owner_id else None)
        if transition.email and recipient:
            own = user is not None and user.pk == filing.owner_id
            email_enqueue(
                to=recipient,
                template=transition.email,
                language=None if own else settings.LANGUAGE_CODE,
                context={
                    "filing": filing,
                    "revision": current,
                    "decision": event,
                    **(email_context or {}),
                },
            )
    return filing
