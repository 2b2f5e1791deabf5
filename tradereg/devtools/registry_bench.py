"""The registry's part of `make bench`: a national-scale published copy and its timings.

Runs only against the separate benchmark database (the `bench` command sees to that).
Loading validates nothing row by row: the generator only makes valid rows, and they go in
with one bulk statement per batch (SQLite) or COPY (PostgreSQL), in one transaction, so
an interrupted load leaves nothing half done.
"""

import multiprocessing
import random
import statistics
import time
from collections import deque
from collections.abc import Callable

from django.db import connection, transaction

from tradereg.devtools import benchdata
from tradereg.registry import selectors
from tradereg.registry.models import OperatorNameGram, PublishedOperator

BATCH = 20_000


def bench_data_ensure(*, count: int, log: Callable[[str], None]) -> dict[str, float]:
    """Make the benchmark database hold exactly the ``count`` generated operators and
    their postings; reuses what an earlier run loaded. Returns load statistics.
    """
    if _loaded(count):
        log(f"复用已有的 {count:,} 个经营者。")
        return {"loaded": 0.0}
    log(f"生成 {count:,} 个经营者及名称检索索引……")
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        postings = _load_postgresql(count, log)
    else:
        postings = _load_sqlite(count, log)
    seconds = time.perf_counter() - started
    log(f"完成：{count:,} 个经营者，{postings:,} 条索引，用时 {seconds:.0f} 秒。")
    return {"loaded": seconds, "postings": postings}


def _loaded(count: int) -> bool:
    """Whether an earlier run loaded these very rows (same count, same generator)."""
    if PublishedOperator.objects.count() != count:
        return False
    first = (count - 1) // BATCH * BATCH + 1
    rows, postings = _generate((first, count - first + 1, count))
    postings = [posting for posting in postings if posting[2] == count]
    checked = ("filing_id", "form_no", "name_cn", "approved_at")
    last = PublishedOperator.objects.filter(pk=count).values_list(*checked).first()
    expected = tuple(rows[-1][benchdata.COLUMNS.index(name)] for name in checked)
    if last != expected:
        return False
    # The last operator's postings, through the key, with their signatures (not -1).
    _gram, moment, _operator_id, mark = postings[-1]
    held = OperatorNameGram.objects.filter(
        gram__in={posting[0] for posting in postings}, approved_us=moment, operator_id=count
    )
    return held.filter(signature=mark).count() == len(postings)


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(PublishedOperator._meta.db_table), quote(OperatorNameGram._meta.db_table)


def _generate(job: tuple[int, int, int]) -> tuple[list[tuple], list[tuple]]:
    """One batch: operator rows and their postings in key order (runs in a worker)."""
    first_id, size, total = job
    rows = list(benchdata.operator_rows(count=size, first_id=first_id, total=total, seed=first_id))
    postings = sorted(posting for row in rows for posting in benchdata.posting_rows(row))
    return rows, postings


def _batches(count: int):
    """(operator rows, posting rows) in batches of BATCH operators, in id order.

    Two worker processes generate while this one writes; at most a few batches wait.
    """
    jobs = [(first, min(BATCH, count - first + 1), count) for first in range(1, count + 1, BATCH)]
    with multiprocessing.get_context("fork").Pool(processes=2) as pool:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.apply_async(_generate, (job,)))
            if len(pending) >= 4:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _progress(log, done: int, count: int, started: float) -> None:
    if done % 200_000 == 0 or done == count:
        log(f"  {done:,} / {count:,}（{time.perf_counter() - started:.0f} 秒）")


def _load_sqlite(count: int, log) -> int:
    operators, grams = _tables()
    columns = ", ".join(["id", *benchdata.COLUMNS])
    marks = ", ".join(["%s"] * (len(benchdata.COLUMNS) + 1))
    started, total = time.perf_counter(), 0
    with connection.cursor() as cursor:
        # One big transaction; a rollback journal is cheap for pages that did not exist.
        cursor.execute("PRAGMA journal_mode=DELETE")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-1000000")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {grams}")  # noqa: S608 - table names from the models
        cursor.execute(f"DELETE FROM {operators}")  # noqa: S608
        insert_operator = f"INSERT INTO {operators} ({columns}) VALUES ({marks})"  # noqa: S608
        # Ids follow approval order, so each batch's sorted postings land at the end of
        # their gram's range: the key is built by near-appends, without a global sort.
        insert_posting = (
            f"INSERT INTO {grams} (gram, approved_us, operator_id, signature) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)"
        )
        done = 0
        adapt = connection.ops.adapt_datetimefield_value
        at, published = (
            benchdata.COLUMNS.index("approved_at"),
            benchdata.COLUMNS.index("published_at"),
        )
        for rows, postings in _batches(count):
            values = []
            for row in rows:
                value = [row[0] - benchdata.FILING_ID_BASE, *row]
                value[at + 1], value[published + 1] = adapt(row[at]), adapt(row[published])
                values.append(value)
            cursor.executemany(insert_operator, values)
            cursor.executemany(insert_posting, postings)
            done, total = done + len(rows), total + len(postings)
            _progress(log, done, count, started)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("ANALYZE")
    return total


def _load_postgresql(count: int, log) -> int:
    operators, grams = _tables()
    columns = ", ".join(["id", *benchdata.COLUMNS])
    started, total = time.perf_counter(), 0
    with transaction.atomic(), connection.cursor() as cursor:
        # TRUNCATE in this transaction lets COPY write frozen, all-visible rows, and the
        # key is built once, sorted, after the postings are in.
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute(f"TRUNCATE {grams}, {operators}")
        cursor.execute(
            f"ALTER TABLE {grams} DROP CONSTRAINT IF EXISTS registry_operatornamegram_pkey"
        )
        raw = cursor.cursor
        done = 0
        for rows, postings in _batches(count):
            with raw.copy(f"COPY {operators} ({columns}) FROM STDIN (FREEZE)") as copy:
                for row in rows:
                    copy.write_row((row[0] - benchdata.FILING_ID_BASE, *row))
            with raw.copy(
                f"COPY {grams} (gram, approved_us, operator_id, signature) FROM STDIN (FREEZE)"
            ) as copy:
                for posting in postings:
                    copy.write_row(posting)
            done, total = done + len(rows), total + len(postings)
            _progress(log, done, count, started)
        log("  建立名称检索索引……")
        cursor.execute(
            f"ALTER TABLE {grams} ADD CONSTRAINT registry_operatornamegram_pkey "
            "PRIMARY KEY (gram, approved_us, operator_id) INCLUDE (signature)"
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{operators}', 'id'), %s)", [count])
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {operators}")
        cursor.execute(f"VACUUM ANALYZE {grams}")
    return total


# --- timings ----------------------------------------------------------------------------

KINDS = [
    ("code13", "进出口企业代码（13位）"),
    ("code18", "统一社会信用代码（18位）"),
    ("code9", "组织机构代码（9位）"),
    ("name2", "中文名称 2 字"),
    ("name3", "中文名称 3 字"),
    ("name4", "中文名称 4 字"),
    ("english", "英文名称片段"),
]


def _typed(rng: random.Random, code: str) -> str:
    """A code the way people type it: as is, lower case, grouped by spaces, hyphenated."""
    style = rng.randrange(4)
    if style == 1:
        return code.lower()
    if style == 2:
        return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    if style == 3:
        return f"{code[:-1]}-{code[-1]}"
    return code


def bench_queries(*, per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    """Queries people would type, drawn from random operators: their codes in typed forms,
    and fragments of their names (so common bigrams come up as often as in real use).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible samples
    top = PublishedOperator.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = rng.sample(range(1, top + 1), min(per_kind * 2, top))
    operators = list(
        PublishedOperator.objects.filter(pk__in=ids).values_list(
            "ie_code", "uscc", "org_code", "name_cn", "name_en"
        )
    )
    queries: dict[str, list[str]] = {kind: [] for kind, _label in KINDS}
    for ie_code, uscc, org_code, name_cn, name_en in operators:
        queries["code13"].append(_typed(rng, ie_code))
        if uscc:
            queries["code18"].append(_typed(rng, uscc))
        queries["code9"].append(_typed(rng, org_code))
        for size in (2, 3, 4):
            if len(name_cn) >= size:
                start = rng.randrange(len(name_cn) - size + 1)
                queries[f"name{size}"].append(name_cn[start : start + size])
        size = rng.randint(4, 8)
        start = rng.randrange(max(len(name_en) - size, 0) + 1)
        fragment = name_en[start : start + size]
        if selectors.operator_query_problem(fragment) is None:
            queries["english"].append(fragment)
    return {kind: values[:per_kind] for kind, values in queries.items()}


def summary(samples: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds of samples in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
