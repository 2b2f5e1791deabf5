"""The legacy import's part of `make bench`: validated import beside a raw COPY.

Both write the same rows into the same tables of the benchmark database, each inside a
transaction that is rolled back, so nothing is left behind and the two runs meet the same
table state. The raw COPY is what a database administrator would do with ``\\copy``: the
final rows of every table (filings, revisions, history events, published operators, their
forms and name postings), prepared beforehand and streamed with COPY, nothing checked. The
import reads the same file from its bytes, checks every row with the form's rules, looks
the batch up for duplicates and writes it (``legacy_import``), timed from start to end.
"""

import io
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from django.db import connection, transaction

from tradereg.authorities.models import Authority
from tradereg.common import bulk
from tradereg.core.demo import reference_data_load
from tradereg.devtools.legacydata import legacy_csv
from tradereg.filings.models import OperatorType
from tradereg.filings.services import imports
from tradereg.registry import services as registry_services

TARGET_RATIO = 0.85


def _captured_rows(data: bytes, batch_size: int) -> list[tuple[Any, list[str], list[tuple]]]:
    """The rows the import writes for ``data``, per table, captured as they are written
    (then rolled back): a batch's ids are reserved from what the batches before it wrote,
    so rows only captured would give the next batch the same ids on SQLite."""
    captured: list[tuple[Any, list[str], list[tuple]]] = []
    write = bulk.rows_write

    def capture(model: Any, columns: Any, rows: Any) -> int:
        kept = list(rows)
        captured.append((model, list(columns), kept))
        return write(model, columns, kept)

    with (
        transaction.atomic(),
        mock.patch.object(bulk, "rows_write", capture),
        mock.patch.object(registry_services, "rows_write", capture),
    ):
        imports.legacy_import(source=io.BytesIO(data), report=io.StringIO(), batch_size=batch_size)
        transaction.set_rollback(True)
    return captured


def _raw_copy(captured: list[tuple[Any, list[str], list[tuple]]]) -> float:
    started = time.perf_counter()
    with transaction.atomic():
        for model, columns, rows in captured:
            bulk.rows_write(model, columns, rows)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _validated(data: bytes, batch_size: int) -> tuple[float, imports.ImportSummary, str]:
    report = io.StringIO()
    started = time.perf_counter()
    with transaction.atomic():
        summary = imports.legacy_import(
            source=io.BytesIO(data), report=report, batch_size=batch_size
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, summary, report.getvalue()


def bench_import(
    *,
    rows: int,
    rounds: int = 3,
    batch_size: int = imports.BATCH_SIZE,
    log: Callable[[str], None],
) -> dict[str, float]:
    """Rows per second of the raw COPY and of the validated import, best of ``rounds``
    each, alternating; and their ratio (target ≥ 0.85 on PostgreSQL)."""
    if not (Authority.objects.exists() and OperatorType.objects.exists()):
        reference_data_load()
    data = legacy_csv(count=rows)
    log(f"历史数据导入：{rows:,} 行（{len(data) / 1e6:.1f} MB CSV），{connection.vendor}")
    captured = _captured_rows(data, batch_size)
    written = sum(len(kept) for _model, _columns, kept in captured)
    copy_times, import_times = [], []
    for _round in range(rounds):
        copy_times.append(_raw_copy(captured))
        elapsed, summary, report = _validated(data, batch_size)
        if summary.created != rows:
            first = "\n".join(report.splitlines()[:5])
            raise RuntimeError(f"the import created {summary.created} of {rows} rows:\n{first}")
        import_times.append(elapsed)
    copy_rate, import_rate = rows / min(copy_times), rows / min(import_times)
    return {
        "rows": rows,
        "table_rows": written,
        "copy_rate": copy_rate,
        "import_rate": import_rate,
        "ratio": import_rate / copy_rate,
    }
