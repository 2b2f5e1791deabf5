"""The statistics page at national scale: a synthetic rollup of every authority's history,
and the page's timings for an officer, a supervisor and the 系统管理员.

The office bench's history is one authority's (``office_bench``); the national page needs
all 397. Millions of events through the services, or even as rows of the filing history,
would take hours, and the page reads only the rollup: so the events are drawn in
PostgreSQL itself (``generate_series``) and summed straight into the rollup's day cells, the
month rows and the sums over types and authorities summed from those by the same SQL a
rebuild's ``GROUP BY`` would give. The numbers mean nothing; their shape is a register's:
working days of ten years, a few busy authorities and many quiet ones, most filings
private companies, decisions mostly within days (an exponential distribution).
"""

import secrets
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.authorities.models import Authority
from tradereg.core.demo import reference_data_load
from tradereg.devtools.office_bench import verified_client
from tradereg.statistics.models import ROLLUPS, AuthorityFigure, Figure, NationalFigure
from tradereg.statistics.selectors import statistics_report
from tradereg.statistics.views import default_range

YEARS = 10
# Who reads the page, as (label, role, authority code).
READERS = [
    ("officer 深圳", User.Role.OFFICER, "440300"),
    ("supervisor 广东", User.Role.SUPERVISOR, "440000"),
    ("系统管理员 (national)", User.Role.SYSTEM_ADMIN, None),
]

# One row per drawn event: its authority, day, operator type (the first types of the list
# far more often), measure and, for approvals and returns, working days to the decision.
_EVENTS_SQL = """
CREATE TEMP TABLE bench_events ON COMMIT DROP AS
WITH authorities AS (
    SELECT id, exp((random() + random() + random() - 1.5) * 1.6) AS weight
    FROM authorities_authority
), days AS (
    SELECT d::date AS day FROM generate_series(%(first)s::date, %(last)s::date, '1 day') d
    WHERE extract(isodow FROM d) < 6
), rate AS (
    SELECT %(events)s / ((SELECT count(*) FROM days) * (SELECT sum(weight) FROM authorities))
        AS per_weight
), types AS (
    SELECT array_agg(id ORDER BY sort_order, id) AS ids FROM filings_operatortype
), drawn AS (
    SELECT a.id AS authority_id, days.day, random() AS pick_type, random() AS pick_measure,
           random() AS pick_days
    FROM authorities a CROSS JOIN days CROSS JOIN rate
    -- days.day - days.day (zero) ties the draw to the day: without it PostgreSQL draws
    -- once per authority and repeats that count every day.
    CROSS JOIN LATERAL generate_series(1, floor(a.weight * rate.per_weight * 2 * random()
                                                + random())::int + (days.day - days.day))
)
SELECT authority_id, day,
       (SELECT ids[1 + floor(power(pick_type, 3) * array_length(ids, 1))::int] FROM types)
           AS operator_type_id,
       CASE WHEN pick_measure < 0.36 THEN 'new' WHEN pick_measure < 0.45 THEN 'change'
            WHEN pick_measure < 0.86 THEN 'approved' WHEN pick_measure < 0.94 THEN 'returned'
            ELSE 'cancelled' END AS measure,
       CASE WHEN pick_measure >= 0.45 AND pick_measure < 0.94
            THEN least(30, floor(-ln(1 - pick_days) * 2.5))::int ELSE -1 END AS working_days
FROM drawn
"""


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _foreign_keys_drop(cursor) -> list[tuple[str, str, str]]:
    """Drop the rollup's foreign keys and return them to be added again: checked row by row
    at commit, they would take longer than drawing ten million events; added again, each is
    checked by one join."""
    keys = []
    for model in ROLLUPS:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [model._meta.db_table],
        )
        for name, definition in cursor.fetchall():
            table = _table(model)
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            keys.append((table, connection.ops.quote_name(name), definition))
    return keys


def national_rollup_generate(*, events: int, log: Callable[[str], None]) -> dict[str, int]:
    """Replace the rollup by about ``events`` drawn events of every authority over the last
    ten years of working days; PostgreSQL only. Returns the rows of each table."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the national statistics data is drawn by PostgreSQL")
    if not Authority.objects.exists():
        reference_data_load()
    last = timezone.localdate()
    first = last - timedelta(days=365 * YEARS)
    started = time.perf_counter()
    figure = _table(Figure)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(_table(m) for m in ROLLUPS)}")
        keys = _foreign_keys_drop(cursor)
        log(f"抽取约 {events:,} 条办理记录（{first} – {last}，全部备案登记机关）……")
        cursor.execute(_EVENTS_SQL, {"first": first, "last": last, "events": float(events)})
        columns = "day, authority_id, operator_type_id, measure, working_days"
        cursor.execute(
            f"INSERT INTO {figure} (span, {columns}, count) "  # noqa: S608 - model names
            f"SELECT 'day', {columns}, count(*) FROM bench_events GROUP BY {columns} "
            f"ORDER BY {columns}"
        )
        rest = "authority_id, operator_type_id, measure, working_days"
        cursor.execute(
            f"INSERT INTO {figure} (span, day, {rest}, count) "  # noqa: S608 - model names
            f"SELECT 'month', date_trunc('month', day)::date AS month, {rest}, sum(count) "
            f"FROM {figure} WHERE span = 'day' GROUP BY month, {rest} ORDER BY month, {rest}"
        )
        for model, kept in (
            (AuthorityFigure, "authority_id"),
            (NationalFigure, "operator_type_id"),
        ):
            key = f"span, day, {kept}, measure, working_days"
            cursor.execute(
                f"INSERT INTO {_table(model)} ({key}, count) "  # noqa: S608 - model names
                f"SELECT {key}, sum(count) FROM {figure} GROUP BY {key} ORDER BY {key}"
            )
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    with connection.cursor() as cursor:
        for model in ROLLUPS:
            # Index-only scans need the visibility map that VACUUM writes (not in a test's
            # transaction, where ANALYZE must do).
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{command} {_table(model)}")
    rows = {model.__name__: model.objects.count() for model in ROLLUPS}
    counted = sum(Figure.objects.filter(span="day").values_list("count", flat=True))
    log(
        f"完成：{counted:,} 条记录，"
        + "、".join(f"{name} {n:,} 行" for name, n in rows.items())
        + f"，用时 {time.perf_counter() - started:.0f} 秒。"
    )
    return {"events": counted, **rows}


def _reader(role: str, code: str | None) -> User:
    name = f"bench-stat-{role}-{code or 'all'}"
    user = User.objects.filter(username=name).first()
    if user is None:
        user = staff_user_create(
            username=name,
            password=secrets.token_urlsafe(16) + "Aa1!",
            role=role,
            authority=Authority.objects.get(code=code) if code else None,
        )
    return user


def statistics_timings(*, runs: int = 7) -> list[tuple[str, str, float, float]]:
    """(reader, range, selector ms, page ms) medians over ``runs`` after one warm-up, for
    the default range and one with ragged ends, per reader of ``READERS``."""
    today = timezone.localdate()
    ragged_from = date(today.year - 1, 3, 10)
    ranges = [
        ("last 12 months", default_range(today)),
        (f"{ragged_from} – {date(today.year, 4, 20)}", (ragged_from, date(today.year, 4, 20))),
    ]
    results = []
    for label, role, code in READERS:
        user = _reader(role, code)
        client = verified_client(user, address="192.0.2.21")
        for range_label, (date_from, date_to) in ranges:
            query = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
            selector, page = [], []
            for _ in range(runs + 1):
                started = time.perf_counter()
                statistics_report(user=user, date_from=date_from, date_to=date_to, today=today)
                selector.append(time.perf_counter() - started)
                started = time.perf_counter()
                response = client.get("/office/statistics/", query)
                page.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{label}: the page answered {response.status_code}")
            results.append(
                (
                    label,
                    range_label,
                    statistics.median(selector[1:]) * 1000,
                    statistics.median(page[1:]) * 1000,
                )
            )
    return results
