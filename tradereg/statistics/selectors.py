"""Reads of the statistics rollup, scoped like every office page (decision 0021).

A range reads the month rows of the months it covers whole and the day rows of its
ragged ends, each table from the smallest table of the rollup that holds it: a national
year is about 77,000 rows for the table by authority and 4,000 for the rest,
not millions of events.
"""

import calendar
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections
from django.db.models import Model, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.accounts.selectors import authority_scope
from tradereg.authorities.models import Authority
from tradereg.common.workdays import REVIEW_LIMIT_DAYS
from tradereg.statistics.models import (
    TIMED,
    AuthorityFigure,
    Figure,
    Measure,
    NationalFigure,
    Span,
)

MEASURES = tuple(Measure)


@dataclass
class Line:
    """One row of a statistics table: the counts of each measure and, for the decisions
    on a report, how many took each number of working days."""

    label: str
    counts: Counter[str] = field(default_factory=Counter)
    days: Counter[int] = field(default_factory=Counter)

    def add(self, measure: str, working_days: int, count: int) -> None:
        self.counts[measure] += count
        if measure in TIMED and working_days >= 0:
            self.days[working_days] += count

    def merge(self, other: "Line") -> None:
        self.counts.update(other.counts)
        self.days.update(other.days)

    @property
    def decided(self) -> int:
        """Approvals and returns whose report is known: what the processing time is of."""
        return sum(self.days.values())

    @property
    def median_days(self) -> Decimal | None:
        """The median working days from report to decision (the middle pair averaged)."""
        total = self.decided
        if not total:
            return None
        low, high = (total - 1) // 2, total // 2
        found: dict[int, int] = {}
        seen = 0
        for days in sorted(self.days):
            for position in (low, high):
                if position not in found and position < seen + self.days[days]:
                    found[position] = days
            seen += self.days[days]
        return Decimal(found[low] + found[high]) / 2

    @property
    def within_limit(self) -> int:
        return sum(n for days, n in self.days.items() if days <= REVIEW_LIMIT_DAYS)

    @property
    def within_share(self) -> Decimal | None:
        """Per cent of the decisions taken within the five-working-day limit, 0.1 precise."""
        if not self.decided:
            return None
        share = Decimal(100 * self.within_limit) / self.decided
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def count(self, measure: str) -> int:
        return self.counts[measure]

    @property
    def values(self) -> list[int]:
        return [self.counts[m] for m in MEASURES]


@dataclass
class Report:
    date_from: date
    date_to: date
    months: list[Line]
    authorities: list[Line]
    types: list[Line]
    total: Line


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _months(date_from: date, date_to: date) -> list[date]:
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _range_parts(date_from: date, date_to: date, today: date) -> list[Q]:
    """The month rows of the months the range covers whole (up to today for the current
    one), and the day rows of each ragged end: each part one range of the index."""
    whole, parts = [], []
    for month in _months(date_from, date_to):
        end = min(_month_end(month), today)
        if date_from <= month and end <= date_to:
            whole.append(month)
        else:
            first, last = max(date_from, month), min(date_to, _month_end(month))
            parts.append(Q(span=Span.DAY, day__gte=first, day__lte=last))
    if whole:
        parts.append(Q(span=Span.MONTH, day__in=whole))
    return parts


def figures_in_scope(
    *, user: User, date_from: date, date_to: date, today: date, model: type[Model] = Figure
) -> list[QuerySet]:
    """The rows of one table of the rollup in the range for the authorities ``user`` may
    see, as one query per part of the range (an OR of them would make PostgreSQL scan the
    whole table). ``NationalFigure`` has no authority: the 系统管理员's only."""
    figures = model._default_manager.all()
    if user.role != User.Role.SYSTEM_ADMIN:
        if model is NationalFigure:
            raise ValueError("the national sums are the whole country's")
        figures = figures.filter(authority__in=list(authority_scope(user=user)))
    return [figures.filter(part) for part in _range_parts(date_from, date_to, today)]


def _sums(parts: list[QuerySet], key: str) -> Iterator[tuple[Any, str, int, int]]:
    """(key, measure, working days, count) over every part; no join, so the index alone
    answers. The rows are read from the cursor as the driver gives them (the day is text on
    SQLite): without the ORM's conversion per row a national year's 11,000 read in half the time."""
    for figures in parts:
        query = figures.values_list(key, "measure", "working_days").annotate(n=Sum("count"))
        sql, params = query.order_by().query.sql_with_params()
        with connections[figures.db].cursor() as cursor:
            cursor.execute(sql, params)
            yield from cursor.fetchall()


def _lines(sums: Iterator[tuple[Any, str, int, int]]) -> dict[int, Line]:
    """A line per key of ``sums`` (a national year: some 11,000 rows for 397 lines)."""
    lines: dict[int, Line] = {}
    for key, measure, working_days, count in sums:
        line = lines.get(key)
        if line is None:
            line = lines[key] = Line(label="")
        line.add(measure, working_days, count)
    return lines


def statistics_report(*, user: User, date_from: date, date_to: date, today: date) -> Report:
    """Every figure of the statistics page for ``user``'s scope and the range, by month,
    by authority and by operator type, with the totals. Each table reads the smallest
    table of the rollup that holds it: by authority the sums over types; by month and
    by type the national sums for the 系统管理员, else the sums over types and the full
    rollup of the scope's authorities."""
    national = user.role == User.Role.SYSTEM_ADMIN

    def parts(model: type[Model]) -> list[QuerySet]:
        return figures_in_scope(
            user=user, date_from=date_from, date_to=date_to, today=today, model=model
        )

    by_authority_parts = parts(AuthorityFigure)
    months = {m: Line(label=f"{m.year}-{m.month:02d}") for m in _months(date_from, date_to)}
    for day, measure, working_days, count in _sums(
        parts(NationalFigure) if national else by_authority_parts, "day"
    ):
        day = day if isinstance(day, date) else date.fromisoformat(day)  # SQLite: text
        months[day.replace(day=1)].add(measure, working_days, count)
    by_authority = _lines(_sums(by_authority_parts, "authority_id"))
    by_type = _lines(_sums(parts(NationalFigure if national else Figure), "operator_type_id"))
    total = Line(label=_("合计"))
    for line in months.values():
        total.merge(line)
    return Report(
        date_from=date_from,
        date_to=date_to,
        months=list(months.values()),
        authorities=_labelled(by_authority, Authority.objects.all(), ("code",)),
        types=_labelled(by_type, _operator_types(), ("sort_order", "id")),
        total=total,
    )


def _operator_types() -> QuerySet:
    """经营者类型 through the rollup's own foreign key: statistics imports nothing of
    filings (decision 0021)."""
    return Figure._meta.get_field("operator_type").related_model._default_manager.all()


def _labelled(lines: dict[int, Line], rows: QuerySet, order: tuple[str, ...]) -> list[Line]:
    """The lines named after their authority or type, in that table's order."""
    labelled = []
    for pk, name in rows.filter(pk__in=list(lines)).order_by(*order).values_list("pk", "name"):
        lines[pk].label = name
        labelled.append(lines[pk])
    return labelled
