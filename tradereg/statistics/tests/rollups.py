"""The rollup's three tables read back as plain counters, to compare them with each other
and with a recount of the history."""

from collections import Counter

from tradereg.statistics.models import AuthorityFigure, Figure, NationalFigure, Span
from tradereg.statistics.services import FigureKey

Rows = dict[tuple, int]


def full_rows(span: str) -> dict[FigureKey, int]:
    return {
        FigureKey(f.day, f.authority_id, f.operator_type_id, f.measure, f.working_days): f.count
        for f in Figure.objects.filter(span=span)
    }


def authority_rows(span: str) -> Rows:
    return {
        (f.day, f.authority_id, f.measure, f.working_days): f.count
        for f in AuthorityFigure.objects.filter(span=span)
    }


def national_rows(span: str) -> Rows:
    return {
        (f.day, f.operator_type_id, f.measure, f.working_days): f.count
        for f in NationalFigure.objects.filter(span=span)
    }


def summed(full: dict[FigureKey, int]) -> tuple[Rows, Rows]:
    """The full rollup's cells summed over operator types and over authorities."""
    by_authority: Counter[tuple] = Counter()
    national: Counter[tuple] = Counter()
    for key, count in full.items():
        by_authority[(key.day, key.authority_id, key.measure, key.working_days)] += count
        national[(key.day, key.operator_type_id, key.measure, key.working_days)] += count
    return dict(by_authority), dict(national)


def sums_check() -> None:
    """Every day and month row of the sums is the sum of the full rollup's rows."""
    for span in Span:
        by_authority, national = summed(full_rows(span))
        assert authority_rows(span) == by_authority
        assert national_rows(span) == national


def all_rows() -> dict[tuple[str, str], Rows]:
    """Every row of the three tables, by table and span."""
    return {
        (read.__name__, span): read(span)
        for read in (full_rows, authority_rows, national_rows)
        for span in Span
    }
