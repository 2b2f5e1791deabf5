"""The change log of the published register, appended in the publishing transaction:
the registry's publish services send ``tradereg.registry.signals``, received here, so the
registry does not import the app that reads it.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from tradereg.opendata.models import ChangeClock, ChangeEntry
from tradereg.registry.models import PublishedOperator
from tradereg.registry.signals import operator_published, operators_published_new

CLOCK = 1  # the primary key of the one ChangeClock row


def _positions_take(count: int) -> int:
    """The first of ``count`` new positions. The clock row stays locked until the
    caller's transaction ends, so positions are committed in the order they are given."""
    if not ChangeClock.objects.filter(pk=CLOCK).update(value=F("value") + count):
        ChangeClock.objects.get_or_create(pk=CLOCK)
        ChangeClock.objects.filter(pk=CLOCK).update(value=F("value") + count)
    value = ChangeClock.objects.filter(pk=CLOCK).values_list("value", flat=True).get()
    return value - count + 1


def _kind(*, status: str, revision_number: int, last: tuple[str, int] | None) -> str | None:
    cancelled = status == PublishedOperator.Status.CANCELLED
    if last is None:
        return ChangeEntry.Kind.CANCELLED if cancelled else ChangeEntry.Kind.PUBLISHED
    if cancelled and last[0] != status:
        return ChangeEntry.Kind.CANCELLED
    if not cancelled and (last[0] != status or last[1] != revision_number):
        return ChangeEntry.Kind.CHANGED
    return None


def changes_record(*, operator: PublishedOperator) -> ChangeEntry | None:
    """Append what publishing ``operator`` changed (new, changed, cancelled) to the change
    log; nothing when it was published unchanged. Call inside the publishing transaction.
    """
    last = (
        ChangeEntry.objects.filter(filing_id=operator.filing_id)
        .order_by("-position")
        .values_list("status", "revision_number")
        .first()
    )
    kind = _kind(status=operator.status, revision_number=operator.revision_number, last=last)
    if kind is None:
        return None
    return ChangeEntry.objects.create(
        position=_positions_take(1),
        filing_id=operator.filing_id,
        kind=kind,
        ie_code=operator.ie_code,
        name_cn=operator.name_cn,
        status=operator.status,
        revision_number=operator.revision_number,
        occurred_at=timezone.now(),
    )


def changes_record_new(*, rows: Iterable[dict[str, Any]]) -> int:
    """Append one ``published`` entry per operator published for the first time (the
    import's bulk path: ``rows`` as registry_publish_new writes them). Call inside the
    publishing transaction; returns how many were written."""
    rows = list(rows)
    if not rows:
        return 0
    first = _positions_take(len(rows))
    now = timezone.now()
    ChangeEntry.objects.bulk_create(
        ChangeEntry(
            position=first + offset,
            filing_id=row["filing_id"],
            kind=ChangeEntry.Kind.PUBLISHED,
            ie_code=row["ie_code"],
            name_cn=row["name_cn"],
            status=row["status"],
            revision_number=row["revision_number"],
            occurred_at=now,
        )
        for offset, row in enumerate(rows)
    )
    return len(rows)


@receiver(operator_published, dispatch_uid="opendata_changes")
def _published(*, operator: PublishedOperator, **_kwargs: Any) -> None:
    changes_record(operator=operator)


@receiver(operators_published_new, dispatch_uid="opendata_changes_new")
def _published_new(*, rows: list[dict[str, Any]], **_kwargs: Any) -> None:
    changes_record_new(rows=rows)
