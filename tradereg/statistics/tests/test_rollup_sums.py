"""The rollup's sums over operator types and over authorities agree with its full rows
after a random history walked through the real services, and the 系统管理员's and a
supervisor's reports read from the sums hold the numbers the full rows give."""

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from tradereg.accounts.models import User
from tradereg.accounts.selectors import authority_scope
from tradereg.accounts.services import staff_user_create
from tradereg.filings.figures import figures_count
from tradereg.filings.models import Filing, OperatorType, Status
from tradereg.filings.tests.factories import PASSWORD, authority, make_officer
from tradereg.statistics.models import TIMED, Span
from tradereg.statistics.selectors import Line, statistics_report

from .history import SHANGHAI, _Walk
from .rollups import full_rows, sums_check

pytestmark = pytest.mark.usefixtures("reference_data")

CODES = ("440300", "440100", "310000", "110000")
FILINGS = 14
TODAY = date(2026, 6, 30)


def _step(walk: _Walk, rng: random.Random, when: datetime, filing: Filing) -> Filing | None:
    """One random move of the life cycle from where ``filing`` stands, or None at its end."""
    status = filing.status
    if status in (Status.DRAFT, Status.RETURNED):
        return walk.report(when, filing)
    if status == Status.REPORTED:
        move = rng.choice((walk.approve, walk.approve, walk.return_, walk.save))
        return move(when, filing)
    if status == Status.APPROVED:
        move = rng.choice((walk.save, walk.cancel, None))
        return move(when, filing) if move else None
    if status == Status.CHANGING:
        return walk.report(when, filing)
    return None


def random_history(seed: int) -> None:
    """Filings at four authorities, of three operator types, each moved at random days of
    2025 (week-ends and month ends included) until it rests."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible history
    walk = _Walk({code: make_officer(code=code) for code in CODES})
    types = list(OperatorType.objects.filter(section="A")[:3])
    for number in range(FILINGS):
        when = datetime(2025, 1, 6, 10, tzinfo=SHANGHAI) + timedelta(days=rng.randrange(300))
        filing: Filing | None = walk.create(
            when,
            rng.choice(CODES),
            name_cn=f"随机{seed}号{number}贸易有限公司",
            operator_type=rng.choice(types),
        )
        for _ in range(8):
            when += timedelta(days=rng.randrange(10), hours=rng.randrange(3))
            filing = _step(walk, rng, when, filing)
            if filing is None:
                break


def _expected(user: User, date_from: date, date_to: date) -> dict[str, dict]:
    """The report's lines summed straight from the full rollup's day rows."""
    national = user.role == User.Role.SYSTEM_ADMIN
    scope = set(authority_scope(user=user).values_list("pk", flat=True))
    lines: dict[str, dict] = {"month": {}, "authority": {}, "type": {}}
    for key, count in full_rows(Span.DAY).items():
        if not date_from <= key.day <= date_to or (not national and key.authority_id not in scope):
            continue
        for table, cell in (
            ("month", key.day.replace(day=1)),
            ("authority", key.authority_id),
            ("type", key.operator_type_id),
        ):
            lines[table].setdefault(cell, Line(label="")).add(key.measure, key.working_days, count)
    return {
        table: {cell: (line.counts, line.days) for cell, line in by_cell.items()}
        for table, by_cell in lines.items()
    }


def _read(report, user: User) -> dict[str, dict]:
    months = {
        date(int(line.label[:4]), int(line.label[5:]), 1): line
        for line in report.months
        if line.counts
    }
    names = {
        "authority": dict(authority_scope(user=user).values_list("name", "pk"))
        if user.role != User.Role.SYSTEM_ADMIN
        else {a.name: a.pk for a in (authority(code) for code in CODES)},
        "type": dict(OperatorType.objects.values_list("name", "pk")),
    }
    return {
        "month": {cell: (line.counts, line.days) for cell, line in months.items()},
        "authority": {
            names["authority"][line.label]: (line.counts, line.days) for line in report.authorities
        },
        "type": {names["type"][line.label]: (line.counts, line.days) for line in report.types},
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_sums_equal_the_full_rollup_after_a_random_history(seed):
    random_history(seed)
    assert sum(full_rows(Span.DAY).values()) == sum(figures_count().values()) > FILINGS
    assert full_rows(Span.DAY) == dict(figures_count())
    sums_check()
    counted = Counter(key.measure for key in full_rows(Span.DAY))
    assert any(counted[measure] for measure in TIMED)
    people = [
        staff_user_create(username=f"sums-admin-{seed}", password=PASSWORD, role="system_admin"),
        staff_user_create(
            username=f"sums-gd-{seed}",
            password=PASSWORD,
            role="supervisor",
            authority=authority("440000"),
        ),
    ]
    for user in people:
        for date_from, date_to in (
            (date(2025, 1, 1), TODAY),
            (date(2025, 2, 10), date(2025, 9, 17)),
        ):
            report = statistics_report(user=user, date_from=date_from, date_to=date_to, today=TODAY)
            expected = _expected(user, date_from, date_to)
            assert expected["authority"], "the history reaches every scope"
            assert _read(report, user) == expected, user.role
