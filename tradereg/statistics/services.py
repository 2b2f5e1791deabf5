"""Writes to the statistics rollup. Called by the filing side only (``filings.figures``):
once per counted history event, inside the transition's transaction, and by the rebuild.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Model

from tradereg.statistics.models import UNTIMED, Figure, Span


class FigureKey(NamedTuple):
    """One cell of the rollup at day level."""

    day: date
    authority_id: int
    operator_type_id: int
    measure: str
    working_days: int = UNTIMED


_COLUMNS = ("span", "day", "authority_id", "operator_type_id", "measure", "working_days")


def _upsert_sql(table: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*_COLUMNS, "count"))
    key = ", ".join(quote(c) for c in _COLUMNS)
    row = "(" + ", ".join(["%s"] * (len(_COLUMNS) + 1)) + ")"
    count = quote("count")
    # The same statement on PostgreSQL and SQLite (3.24+): one row per cell, added to in
    # place, so two transitions at one authority on one day never race on a read-then-write.
    return (
        f"INSERT INTO {quote(table)} ({columns}) VALUES {row}, {row} "  # noqa: S608 - model names
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = {quote(table)}.{count} + excluded.{count}"
    )


def figure_add(*, key: FigureKey) -> None:
    """Count one event in its day and in its month. Not idempotent: call it exactly once
    per event, in the transaction that writes the event (a rollback takes it back too)."""
    month = key.day.replace(day=1)
    rest = (key.authority_id, key.operator_type_id, key.measure, key.working_days)
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(Figure._meta.db_table),
            [Span.DAY, key.day, *rest, 1, Span.MONTH, month, *rest, 1],
        )


def figures_lock(*, model: type[Model] = Figure) -> None:
    """Hold writers of the rollup off until the calling transaction ends, so a rebuild that
    reads the history and then replaces the rollup misses no event committed meanwhile: a
    transition waits at its ``figure_add`` and adds to the rebuilt rows. SQLite's immediate
    transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE"
            )


def figures_replace(*, counts: Mapping[FigureKey, int], model: type[Model] = Figure) -> int:
    """Replace the whole rollup by ``counts`` (day-level cells; the months are summed from
    them), in one transaction; returns the number of rows written. ``model`` lets a data
    migration pass its historical model."""
    months: Counter[FigureKey] = Counter()
    for key, count in counts.items():
        months[key._replace(day=key.day.replace(day=1))] += count
    rows = [
        model(span=span, count=count, **key._asdict())
        for span, cells in ((Span.DAY, counts), (Span.MONTH, months))
        for key, count in cells.items()
        if count
    ]
    with transaction.atomic():
        model._default_manager.all().delete()
        model._default_manager.bulk_create(rows, batch_size=5000)
    return len(rows)
