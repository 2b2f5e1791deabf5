"""Reading the audit trail: the filtered list for /audit/, and the chain verification."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.audit import chain, protection
from tradereg.audit.models import AuditAnchor, AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    date_from: date | None = None
    date_to: date | None = None
    actor: str = ""
    event: str = ""
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""

    def as_data(self) -> dict[str, str]:
        """The filters that are set, as text (kept on the audit_viewed/exported event)."""
        values = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "actor": self.actor,
            "event": self.event,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "outcome": self.outcome,
        }
        return {key: value for key, value in values.items() if value}


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in the site's time zone (the dates people type are local)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def events_filtered(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events matching the filters, newest first (id order is the chain's order)."""
    events = AuditEvent.objects.all()
    if filters.date_from:
        events = events.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.actor:
        events = events.filter(actor_name__icontains=filters.actor)
    if filters.event:
        events = events.filter(event=filters.event)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    return events.order_by("-id")


def event_names() -> list[str]:
    """The event names present in the trail, for the filter's choices."""
    names = AuditEvent.objects.order_by("event").values_list("event", flat=True).distinct()
    return list(names)


def object_types() -> list[str]:
    names = (
        AuditEvent.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    return list(names)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    problem: str = ""
    missing_triggers: frozenset[str] = frozenset()


def chain_verify(using: str = DEFAULT_DB_ALIAS) -> ChainReport:
    """Walk the chain in id order from the purge anchor; stop at the first broken link.

    A link is broken when an event does not name the previous hash (a row was deleted or
    inserted out of turn) or its own hash does not match its fields (a row was edited).
    The append-only triggers are checked too: a chain that verifies today proves little
    if nothing stops tomorrow's edit.
    """
    anchor = AuditAnchor.objects.using(using).order_by("-id").first()
    expected = anchor.last_hash if anchor else ""
    floor = anchor.last_id if anchor else 0
    count = 0
    events = AuditEvent.objects.using(using).order_by("id")
    for event in events.iterator(chunk_size=2000):
        problem = ""
        if event.id <= floor:
            problem = _("早于清理起点（应已清理）")
        elif event.prev_hash != expected:
            problem = _("未接续上一条事件（有事件被删除或插入）")
        elif chain.event_hash(event.prev_hash, event) != event.hash:
            problem = _("内容与哈希不符（该条被修改）")
        if problem:
            return ChainReport(
                ok=False, count=count, head=expected, broken_id=event.id, problem=problem
            )
        expected = event.hash
        count += 1
    connection = connections[using]
    missing = protection.expected_triggers(connection.vendor) - protection.installed_triggers(
        connection
    )
    return ChainReport(
        ok=not missing, count=count, head=expected, missing_triggers=frozenset(missing)
    )
