"""Writes to the statistics rollup (its three tables, ``models.ROLLUPS``). Called by the
filing side only (``filings.figures``): once per counted history event, inside the
transition's transaction, and by the rebuild.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Model

from tradereg.statistics.models import ROLLUPS, UNTIMED, Span


class FigureKey(NamedTuple):
    """One cell of the rollup at day level."""

    day: date
    authority_id: int
    operator_type_id: int
    measure: str
    working_days: int = UNTIMED


def _dimensions(model: type[Model]) -> tuple[str, ...]:
    """The key columns of ``FigureKey`` a table of the rollup keeps (each drops none, the
    operator type or the authority)."""
    names = {field.attname for field in model._meta.concrete_fields}
    return tuple(name for name in FigureKey._fields if name in names)


def _upsert_sql(model: type[Model]) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns = ("span", *_dimensions(model))
    columns = ", ".join(quote(c) for c in (*key_columns, "count"))
    key = ", ".join(quote(c) for c in key_columns)
    row = "(" + ", ".join(["%s"] * (len(key_columns) + 1)) + ")"
    count = quote("count")
    # The same statement on PostgreSQL and SQLite (3.24+): one row per cell, added to in
    # place, so two transitions on one day never race on a read-then-write: on PostgreSQL
    # the second waits on the row the first added to, then adds to it.
    return (
        f"INSERT INTO {table} ({columns}) VALUES {row}, {row} "  # noqa: S608 - model names
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )


def figure_add(*, key: FigureKey) -> None:
    """Count one event in its day and in its month, in every table of the rollup. Not
    idempotent: call it exactly once per event, in the transaction that writes the event
    (a rollback takes it back too). The tables and, in each, the day before the month are
    always written in the same order, so two transitions that share a row (the national
    ones) queue on it instead of deadlocking."""
    month = key.day.replace(day=1)
    with connection.cursor() as cursor:
        for model in ROLLUPS:
            values = [getattr(key, name) for name in _dimensions(model)[1:]]
            cursor.execute(
                _upsert_sql(model),
                [Span.DAY, key.day, *values, 1, Span.MONTH, month, *values, 1],
            )


def figures_lock(*, models: Sequence[type[Model]] = ROLLUPS) -> None:
    """Hold writers of the rollup off until the calling transaction ends, so a rebuild that
    reads the history and then replaces the rollup misses no event committed meanwhile: a
    transition waits at its ``figure_add`` and adds to the rebuilt rows. SQLite's immediate
    transactions already serialise writers."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


def _projected(counts: Mapping[FigureKey, int], model: type[Model]) -> list[Model]:
    """The rows of one table of the rollup from the day cells: its own days and months."""
    names = _dimensions(model)
    cells: dict[Span, Counter[tuple]] = {Span.DAY: Counter(), Span.MONTH: Counter()}
    for key, count in counts.items():
        values = tuple(getattr(key, name) for name in names[1:])
        cells[Span.DAY][(key.day, *values)] += count
        cells[Span.MONTH][(key.day.replace(day=1), *values)] += count
    return [
        model(span=span, count=count, **dict(zip(names, cell, strict=True)))
        for span, by_cell in cells.items()
        for cell, count in by_cell.items()
        if count
    ]


def figures_replace(
    *, counts: Mapping[FigureKey, int], models: Sequence[type[Model]] = ROLLUPS
) -> int:
    """Replace the whole rollup by ``counts`` (day-level cells; the months and the sums
    over types or authorities are summed from them), in one transaction; returns the
    number of rows written. ``models`` lets a data migration pass its historical models."""
    with transaction.atomic():
        written = 0
        for model in models:
            rows = _projected(counts, model)
            model._default_manager.all().delete()
            model._default_manager.bulk_create(rows, batch_size=5000)
            written += len(rows)
    return written
