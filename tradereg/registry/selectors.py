"""Reads for the public operator lookup (经营者信息查询), from the published copy only.

Bounded at any scale (decisions 0005 and 0023): a code is one index lookup; a name
fragment walks the postings of its rarest bigram newest approval first, drops the postings
whose trigram signature rules a match out, rechecks the others with a substring match and
stops as soon as a page is full, or after a fixed number of postings read or rechecked.
A fragment that is one bigram is its postings: no recheck. There is no total count and no
sort over the whole match set; pages are keyset cursors.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.common.codes import normalize_code
from tradereg.common.replica import read_alias
from tradereg.registry.grams import approved_us, grams, query_masks, search_key
from tradereg.registry.models import OperatorNameGram, PublishedOperator

PAGE_SIZE = 20
QUERY_MAX_LENGTH = 100
# (postings read, postings rechecked at most) per round; the sums bound one request.
SCAN_ROUNDS = ((256, 64), (2048, 256), (6144, 512))
# Newest postings read per gram to choose the one to walk (see _rarest).
SAMPLE_SIZE = 512
GRAMS_SAMPLED = 12
CODE_FIELDS = {13: "ie_code", 18: "uscc", 9: "org_code"}
DISPLAY_FIELDS = (
    "id", "ie_code", "name_cn", "name_en", "authority_name", "approved_at", "status",
)  # fmt: skip

_CURSOR = re.compile(r"^(\d{1,18})\.(\d{1,18})$")


@dataclass(frozen=True, order=True)
class Position:
    """Where a posting sits in the newest-first order: (approved_us, operator id)."""

    approved_us: int
    operator_id: int

    @property
    def token(self) -> str:
        return f"{self.approved_us}.{self.operator_id}"

    @classmethod
    def parse(cls, token: str | None) -> "Position | None":
        match = _CURSOR.match(token or "")
        return cls(int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True, slots=True)
class OperatorRow:
    """One result row: the columns the list shows, read as plain values. Building model
    instances and compiling a query per lookup was most of a code lookup's time."""

    pk: int
    ie_code: str
    name_cn: str
    name_en: str
    authority_name: str
    approved_at: datetime
    status: str


@dataclass
class OperatorPage:
    """One page of results; ``next_cursor``/``prev_cursor`` are None at either end."""

    code_matches: list[OperatorRow] = field(default_factory=list)
    rows: list[OperatorRow] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None
    # False when the page stopped at the scan bound before it was full: more may follow.
    complete: bool = True

    @property
    def all_rows(self) -> list[OperatorRow]:
        return [*self.code_matches, *self.rows]


def operator_query_problem(query: str) -> str | None:
    """Why ``query`` cannot be searched (too short), as a message; None when it can."""
    if _code_of(query) or grams(search_key(query[:QUERY_MAX_LENGTH])):
        return None
    return _("请至少输入两个字（汉字、字母或数字）。")


def operator_get(*, pk: int) -> PublishedOperator | None:
    """One published operator for the detail dialog and page."""
    return PublishedOperator.objects.filter(pk=pk).first()


def operator_search(
    *,
    query: str,
    after: str | None = None,
    before: str | None = None,
    page_size: int = PAGE_SIZE,
    scan_rounds: tuple[int | tuple[int, int], ...] | None = None,
) -> OperatorPage:
    """Operators whose code equals ``query`` (first page, on top) or whose Chinese or
    English name contains it, newest approval first, ``page_size`` at a time.

    ``after`` continues with older results, ``before`` goes back to newer ones (cursors
    from a previous page). ``scan_rounds`` holds (postings read, postings rechecked) per
    round (a bare number is both); their sums bound the work of one call.
    """
    query = query.strip()[:QUERY_MAX_LENGTH]
    scan_rounds = scan_rounds or SCAN_ROUNDS
    code = _code_of(query)
    code_matches = _code_lookup(code, limit=page_size) if code else []
    key = search_key(query)
    key_grams = grams(key)
    if not key_grams:
        return OperatorPage(code_matches=code_matches)
    exclude = {row.pk for row in code_matches}
    cursor_after, cursor_before = Position.parse(after), Position.parse(before)
    if cursor_before is not None:
        page = _page_backward(key, key_grams, cursor_before, exclude, page_size, scan_rounds)
        if page is not None:
            return page
        cursor_after = None
    found, last_scanned, exhausted = _scan(
        key, key_grams, cursor_after, exclude, page_size + 1, scan_rounds, backward=False
    )
    shown = found[:page_size]
    page = OperatorPage(
        code_matches=code_matches if cursor_after is None else [],
        rows=_rows(shown),
        complete=exhausted or len(found) > page_size,
    )
    if len(found) > page_size:
        page.next_cursor = shown[-1].token
    elif not exhausted and last_scanned is not None:
        page.next_cursor = last_scanned.token
    if cursor_after is not None:
        top = (
            shown[0] if shown else Position(cursor_after.approved_us, cursor_after.operator_id - 1)
        )
        page.prev_cursor = top.token
    return page


def _page_backward(key, key_grams, cursor, exclude, page_size, scan_rounds):
    """The page before ``cursor``; None when it would be the first page (render that)."""
    found, last_scanned, exhausted = _scan(
        key, key_grams, cursor, exclude, page_size + 1, scan_rounds, backward=True
    )
    if exhausted and len(found) <= page_size:
        return None
    shown = list(reversed(found[:page_size]))
    page = OperatorPage(rows=_rows(shown), complete=len(found) > page_size)
    page.prev_cursor = shown[0].token if len(found) > page_size else last_scanned.token
    bottom = shown[-1] if shown else Position(cursor.approved_us, cursor.operator_id + 1)
    page.next_cursor = bottom.token
    return page


def _code_of(query: str) -> str | None:
    code = normalize_code(query)
    if len(code) in CODE_FIELDS and code.isascii() and code.isalnum():
        return code
    return None


def _code_lookup(code: str, *, limit: int) -> list[OperatorRow]:
    column = CODE_FIELDS[len(code)]
    return _select_rows(f"{column} = %s ORDER BY approved_at DESC, id DESC LIMIT %s", [code, limit])


def _select_rows(condition: str, params: list[Any]) -> list[OperatorRow]:
    """The display columns of the operators meeting ``condition`` (SQL after WHERE,
    written here, never from user text)."""
    _grams, operators = _tables()
    sql = f"SELECT {', '.join(DISPLAY_FIELDS)} FROM {operators} WHERE {condition}"  # noqa: S608
    with _cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return [
        OperatorRow(pk, ie_code, name_cn, name_en, authority, _aware(approved), status)
        for pk, ie_code, name_cn, name_en, authority, approved, status in found
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite hands raw SQL the stored UTC time without its zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cursor():
    """A cursor on the database the registry is read from now: the replica on a public
    page when one is configured (raw SQL passes no router)."""
    return connections[read_alias(OperatorNameGram)].cursor()


def _tables() -> tuple[str, str]:
    quote = connections[read_alias(OperatorNameGram)].ops.quote_name
    return quote(OperatorNameGram._meta.db_table), quote(PublishedOperator._meta.db_table)


def _rarest(key_grams: set[str]) -> str | None:
    """The gram whose postings are sparsest where the walk starts (newest first); None
    when one has no posting (nothing can match).

    Reads each gram's newest SAMPLE_SIZE postings in one statement: fewer than that is
    an exact count; otherwise the time they span tells a gram in one operator of a
    hundred from one in every name, which a capped count cannot.
    """
    ordered = sorted(key_grams, key=lambda gram: (gram.isascii(), gram))[:GRAMS_SAMPLED]
    if len(ordered) == 1:
        return ordered[0]
    grams_table, _operators = _tables()
    sample = (
        "SELECT %s, COUNT(*), MIN(approved_us) FROM (SELECT approved_us FROM "  # noqa: S608
        f"{grams_table} WHERE gram = %s ORDER BY approved_us DESC, operator_id DESC "
        f"LIMIT {SAMPLE_SIZE}) AS w{{index}}"
    )
    sql = " UNION ALL ".join(sample.format(index=index) for index in range(len(ordered)))
    params = [value for index, gram in enumerate(ordered) for value in (index, gram)]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if any(count == 0 for _index, count, _oldest in rows):
        return None
    now = approved_us(timezone.now())
    rates = {index: count / (max(now - oldest, 0) + 1) for index, count, oldest in rows}
    return ordered[min(rates, key=lambda index: (rates[index], index))]


def _like_pattern(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _keyset(gram: str, start: Position | None, *, backward: bool) -> tuple[str, list[Any], str]:
    """WHERE and ORDER BY of ``gram``'s postings strictly after ``start`` in scan order."""
    where = "gram = %s"
    params: list[Any] = [gram]
    if start is not None:
        at, pk = start.approved_us, start.operator_id
        # Keyset condition an index range can serve on both databases.
        where += (
            " AND approved_us >= %s AND (approved_us > %s OR operator_id > %s)"
            if backward
            else " AND approved_us <= %s AND (approved_us < %s OR operator_id < %s)"
        )
        params += [at, at, pk]
    direction = "ASC" if backward else "DESC"
    return where, params, f"approved_us {direction}, operator_id {direction}"


def _walk_exact(gram, start, exclude, wanted, *, backward):
    """A query that is one gram: every posting is a match, so the first ``wanted`` postings
    after ``start`` are the page, read from the key alone."""
    grams_table, _operators = _tables()
    where, params, order = _keyset(gram, start, backward=backward)
    limit = wanted + len(exclude)
    sql = (
        f"SELECT approved_us, operator_id FROM {grams_table} "  # noqa: S608 - no user text
        f"WHERE {where} ORDER BY {order} LIMIT %s"
    )
    with _cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    postings = sorted((Position(at, pk) for at, pk in rows), reverse=not backward)
    found: list[Position] = []
    for posting in postings:
        if posting.operator_id not in exclude:
            found.append(posting)
            if len(found) == wanted:
                return found, posting, False
    return found, postings[-1] if postings else start, len(postings) < limit


def _round(
    gram: str,
    pattern: str,
    masks: tuple[int, int],
    start: Position | None,
    limit: int,
    probes: int,
    *,
    backward: bool,
) -> tuple[list[tuple[Position, bool]], Position | None, bool]:
    """Read up to ``limit`` postings of ``gram`` strictly after ``start`` in scan order and
    recheck (one primary-key probe each) at most ``probes`` of those whose signature allows
    a match (one statement).

    Returns (the rechecked postings in scan order, each with whether its operator's key
    matches ``pattern``; where the next round starts; whether the postings ended).
    """
    grams_table, operators = _tables()
    where, params, order = _keyset(gram, start, backward=backward)
    low, high = masks
    # The innermost subquery reads the key only (its signature included): the signature
    # test drops most non-matches there; the correlated subquery probes the operator for
    # the rest, never a hash join over the whole table. The second branch is the posting
    # the round's bound stops at, when the postings go on that far.
    sql = (
        "SELECT c.approved_us, c.operator_id, "  # noqa: S608 - no user text in the SQL
        f"(SELECT CASE WHEN o.search_key LIKE %s ESCAPE '\\' THEN 1 ELSE 0 END "
        f"FROM {operators} AS o WHERE o.id = c.operator_id) "
        "FROM (SELECT approved_us, operator_id FROM ("
        f"SELECT approved_us, operator_id, signature FROM {grams_table} WHERE {where} "
        f"ORDER BY {order} LIMIT %s) AS r "
        "WHERE (r.signature & %s) = %s OR (r.signature & %s) = %s "
        f"ORDER BY {order} LIMIT %s) AS c "
        "UNION ALL SELECT e.approved_us, e.operator_id, -1 FROM ("
        f"SELECT approved_us, operator_id FROM {grams_table} WHERE {where} "
        f"ORDER BY {order} LIMIT 1 OFFSET %s) AS e"
    )
    with _cursor() as cursor:
        cursor.execute(
            sql,
            [pattern, *params, limit, low, low, high, high, probes, *params, limit - 1],
        )
        rows = cursor.fetchall()
    candidates = [(Position(at, pk), hit == 1) for at, pk, hit in rows if hit >= 0]
    candidates.sort(reverse=not backward)
    if len(candidates) == probes:
        return candidates, candidates[-1][0], False
    bound = next((Position(at, pk) for at, pk, hit in rows if hit < 0), None)
    return candidates, bound, bound is None


def _scan(key, key_grams, start, exclude, wanted, scan_rounds, *, backward):
    """Walk the rarest gram's postings from ``start``, keeping those whose key contains
    ``key``, until ``wanted`` are found, the postings end, or the rounds are used up.

    Returns (matches in scan order, last posting read, whether the postings ended).
    """
    driver = _rarest(key_grams)
    if driver is None:
        return [], None, True
    if key == driver:
        return _walk_exact(driver, start, exclude, wanted, backward=backward)
    pattern, masks = _like_pattern(key), query_masks(key)
    found: list[Position] = []
    position = start
    for scan in scan_rounds:
        limit, probes = (scan, scan) if isinstance(scan, int) else scan
        candidates, bound, ended = _round(
            driver, pattern, masks, position, limit, probes, backward=backward
        )
        for posting, hit in candidates:
            if hit and posting.operator_id not in exclude:
                found.append(posting)
                if len(found) == wanted:
                    return found, posting, False
        if ended:
            return found, candidates[-1][0] if candidates else position, True
        position = bound
    return found, position, False


def _rows(positions: list[Position]) -> list[OperatorRow]:
    if not positions:
        return []
    ids = [position.operator_id for position in positions]
    marks = ", ".join(["%s"] * len(ids))
    by_pk = {row.pk: row for row in _select_rows(f"id IN ({marks})", ids)}
    return [by_pk[position.operator_id] for position in positions if position.operator_id in by_pk]
