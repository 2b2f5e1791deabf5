"""Writing the audit trail: one event per call, and the retention purge."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from tradereg.audit import conf, protection
from tradereg.audit.models import AuditAnchor, AuditEvent, Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class ActorSnapshot:
    """Who acted, as they were at that moment (users are renamed and deleted later)."""

    id: int | None = None
    name: str = ""
    role: str = ""
    authority: str = ""


def actor_snapshot(actor: AbstractBaseUser | AnonymousUser | None) -> ActorSnapshot:
    """Read by attribute, not by import: audit sits below accounts and authorities."""
    if actor is None or not actor.is_authenticated:
        return ActorSnapshot()
    authority = getattr(actor, "authority", None)
    authority_text = ""
    if authority is not None:
        name = str(getattr(authority, "name", "") or "")
        code = str(getattr(authority, "code", "") or "")
        authority_text = f"{name}（{code}）" if code else name
    return ActorSnapshot(
        id=actor.pk,
        name=str(getattr(actor, "username", "") or "")[:150],
        role=str(getattr(actor, "role", "") or "")[:30],
        authority=authority_text[:120],
    )


def outcome_of(event: str) -> str:
    """The outcome an event's name implies: ``…_refused`` and ``…_failed``, else ok."""
    if event.endswith("_refused"):
        return Outcome.REFUSED
    if event.endswith("_failed"):
        return Outcome.FAILED
    return Outcome.OK


def audit_record(
    *,
    event: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    filing: models.Model | None = None,
    filing_id: int | None = None,
    request: HttpRequest | None = None,
    outcome: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit event; called inside the transaction of the change it records.

    An anonymous ``actor`` is recorded as none. ``filing_id`` names a filing without its
    row (the public side holds only the published copy). The object defaults to the
    filing; ``outcome`` defaults to what the event's name says (``outcome_of``).
    """
    # By id: the foreign keys name accounts.User and filings.Filing, which audit (below
    # both) does not import, not even for their types.
    who = actor_snapshot(actor)
    filing_pk = filing.pk if filing is not None else filing_id
    if object_type is None and filing_pk is not None:
        object_type, object_id = "filing", filing_pk
    return AuditEvent.objects.create(
        event=event,
        actor_id=who.id,
        actor_name=who.name,
        actor_role=who.role,
        actor_authority=who.authority,
        object_type=(object_type or "")[:40],
        object_id="" if object_id is None else str(object_id)[:64],
        filing_id=filing_pk,
        ip_address=client_ip(request),
        outcome=outcome or outcome_of(event),
        data=data,
    )


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    count: int
    last_id: int | None


def audit_purge(
    *, now: datetime | None = None, dry_run: bool = False, using: str = DEFAULT_DB_ALIAS
) -> PurgeResult:
    """Delete the events older than the retention, oldest first, through the purge gate.

    Only a prefix of the chain goes (everything before the first event still within the
    retention), so what stays still verifies: the last purged event's hash becomes the
    anchor the next event chains from. The purge leaves an ``audit_purged`` event.
    """
    cutoff = (now or timezone.now()) - timedelta(days=conf.retention_days())
    connection = connections[using]
    events = AuditEvent.objects.using(using)
    with transaction.atomic(using=using):
        protection.chain_lock(connection)
        first_kept = (
            events.filter(created_at__gte=cutoff).order_by("id").values_list("id", flat=True)
        ).first()
        doomed = events.all() if first_kept is None else events.filter(id__lt=first_kept)
        last = doomed.order_by("-id").values_list("id", "hash").first()
        count = doomed.count()
        if dry_run:
            return PurgeResult(cutoff=cutoff, count=count, last_id=last[0] if last else None)
        last_id = None
        if last is not None:
            last_id, last_hash = last
            table = connection.ops.quote_name(AuditEvent._meta.db_table)
            with protection.purge_gate(connection), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last_id])  # noqa: S608 - the model's table
            AuditAnchor.objects.using(using).create(
                last_id=last_id, last_hash=last_hash, purged_count=count, cutoff=cutoff
            )
        # Every run leaves a trace, an empty one too.
        audit_record(
            event="audit_purged",
            count=count,
            cutoff=cutoff.isoformat(),
            last_id=last_id,
            retention_days=conf.retention_days(),
        )
    return PurgeResult(cutoff=cutoff, count=count, last_id=last_id)
