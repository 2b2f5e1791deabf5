"""What the statistics count, decided from the filing history (decision 0021).

The history (``FilingEvent``) is the one account of what happened; the statistics rollup
is derived from it twice over, by the same rule: ``figure_record`` as each event is
written (called by ``transition_apply``, in its transaction) and ``figures_count`` over
the whole table (``manage.py statistics_rebuild``, the data migration). The rule:

- 新备案: the first report of a new filing (a report from 已保存(未上报)); a filing
  returned and reported again is still one new filing.
- 变更: the first report of a change (from 变更中(未上报)); a report after a return is not
  counted again.
- 审核通过 / 退回: every decision, with the working days from the report it decides (the
  latest 上报 or 编辑, as the queue's 已等待 counts them) to the decision.
- 注销: every cancellation.
- Imported legacy filings (导入) happened in the old system and count as nothing.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from tradereg.common.workdays import working_days_between
from tradereg.filings.models import FilingEvent, Status
from tradereg.statistics.models import ROLLUPS, TIMED, UNTIMED, Measure
from tradereg.statistics.services import FigureKey, figure_add, figures_lock, figures_replace

Kind = FilingEvent.Kind

# The events that count or that start the clock of a decision.
READ_KINDS = (Kind.REPORTED, Kind.EDITED, Kind.APPROVED, Kind.RETURNED, Kind.CANCELLED)
CLOCK_KINDS = (Kind.REPORTED, Kind.EDITED)
DECISION_MEASURES = {
    Kind.APPROVED: Measure.APPROVED,
    Kind.RETURNED: Measure.RETURNED,
    Kind.CANCELLED: Measure.CANCELLED,
}
# A report is a new filing or a change by the status it left.
REPORT_MEASURES = {Status.DRAFT: Measure.NEW, Status.CHANGING: Measure.CHANGE}


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def event_measure(
    *, kind: str, status_before: str, day: date, reported_on: date | None
) -> tuple[Measure, int] | None:
    """The measure an event counts as and its working days (``UNTIMED`` for the measures
    that are not timed, and for a decision whose report the history does not hold)."""
    if kind == Kind.REPORTED:
        measure = REPORT_MEASURES.get(Status(status_before)) if status_before else None
        return (measure, UNTIMED) if measure else None
    measure = DECISION_MEASURES.get(Kind(kind)) if kind in DECISION_MEASURES else None
    if measure is None:
        return None
    if measure in TIMED and reported_on is not None:
        return measure, working_days_between(reported_on, day)
    return measure, UNTIMED


def figure_record(*, event: FilingEvent) -> None:
    """Count ``event`` in the rollup, if it counts; called once per event by
    ``transition_apply`` in its transaction, so the figures commit (or not) with it."""
    if event.kind != Kind.REPORTED and event.kind not in DECISION_MEASURES:
        return
    reported_on = None
    if event.kind in DECISION_MEASURES:
        reported_at = (
            FilingEvent.objects.filter(filing_id=event.filing_id, kind__in=CLOCK_KINDS)
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
        reported_on = _local_day(reported_at) if reported_at else None
    day = _local_day(event.created_at)
    counted = event_measure(
        kind=event.kind, status_before=event.status_before, day=day, reported_on=reported_on
    )
    if counted is None:
        return
    measure, working_days = counted
    figure_add(
        key=FigureKey(
            day=day,
            authority_id=event.authority_id,
            operator_type_id=event.revision.operator_type_id,
            measure=measure,
            working_days=working_days,
        )
    )


def _inferred_status_before(previous: str | None) -> str:
    """Events written before the history kept ``status_before`` (migration 0005): the
    status a report left, from the step before it."""
    if previous is None:
        return Status.DRAFT
    if previous == Kind.APPROVED:
        return Status.CHANGING
    return Status.RETURNED


def _events(events: QuerySet) -> Iterator[tuple]:
    return (
        events.filter(kind__in=READ_KINDS)
        .order_by("filing_id", "created_at", "id")
        .values_list(
            "filing_id",
            "kind",
            "status_before",
            "created_at",
            "authority_id",
            "revision__operator_type_id",
        )
        .iterator(chunk_size=20_000)
    )


def figures_count(*, events: QuerySet | None = None) -> Counter[FigureKey]:
    """The rollup's day cells computed from the whole history, one filing at a time."""
    counts: Counter[FigureKey] = Counter()
    filing = None
    reported_on: date | None = None
    previous: str | None = None
    for filing_id, kind, status_before, created_at, authority_id, type_id in _events(
        events if events is not None else FilingEvent.objects.all()
    ):
        if filing_id != filing:
            filing, reported_on, previous = filing_id, None, None
        day = _local_day(created_at)
        if kind == Kind.REPORTED and not status_before:
            status_before = _inferred_status_before(previous)
        counted = event_measure(
            kind=kind, status_before=status_before, day=day, reported_on=reported_on
        )
        if kind in CLOCK_KINDS:
            reported_on = day
        if kind != Kind.EDITED:
            previous = kind
        if counted is not None:
            measure, working_days = counted
            counts[FigureKey(day, authority_id, type_id, measure, working_days)] += 1
    return counts


def figures_rebuild(
    *, events: QuerySet | None = None, models: Sequence[type[Model]] = ROLLUPS
) -> int:
    """Recompute the rollup from the history and replace it; returns the rows written.
    Idempotent. ``events`` and ``models`` let the data migrations pass historical models."""
    with transaction.atomic():
        figures_lock(models=models)
        return figures_replace(counts=figures_count(events=events), models=models)
