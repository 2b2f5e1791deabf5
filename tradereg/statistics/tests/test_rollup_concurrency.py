"""Decisions taken at the same moment at one authority add to the same statistics row
without losing a count, on real connections (one thread each), and so do decisions at
different authorities on the national row they share, without a deadlock; a transition
that fails after its event is written leaves no count behind."""

import threading

import pytest
from django.db import connection, transaction

from tradereg.filings import services
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing, make_officer
from tradereg.office.tests.test_concurrency import OK, together
from tradereg.statistics.models import AuthorityFigure, Figure, Measure, NationalFigure, Span

pytestmark = pytest.mark.usefixtures("reference_data")
CODE = "440300"


def approvals() -> int:
    return sum(
        Figure.objects.filter(span=Span.MONTH, measure=Measure.APPROVED).values_list(
            "count", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_are_all_counted():
    officer = make_officer(code=CODE)
    filings = [make_filing(status=Status.REPORTED, code=CODE) for _ in range(4)]
    outcomes = together(
        *[(lambda f=f: services.filing_approve(filing=f, acting_user=officer)) for f in filings]
    )
    assert [kind for kind, _value in outcomes] == [OK] * 4
    assert approvals() == 4
    assert Figure.objects.filter(span=Span.DAY, measure=Measure.APPROVED).count() == 1


def national_returns() -> int:
    return sum(
        NationalFigure.objects.filter(span=Span.MONTH, measure=Measure.RETURNED).values_list(
            "count", flat=True
        )
    )


def return_(filing, officer):
    """A return: unlike an approval it draws no 备案登记表编号, whose sequence row would
    queue the decisions before they reach the statistics."""
    return services.filing_return(filing=filing, acting_user=officer, reason="请补正")


@pytest.mark.django_db(transaction=True)
def test_concurrent_returns_at_different_authorities_all_count_nationally():
    codes = (CODE, "310000")
    officers = {code: make_officer(code=code) for code in codes}
    filings = [make_filing(status=Status.REPORTED, code=code) for code in codes for _ in range(3)]
    outcomes = together(*[(lambda f=f: return_(f, officers[f.authority.code])) for f in filings])
    assert [kind for kind, _value in outcomes] == [OK] * 6
    assert national_returns() == 6
    assert NationalFigure.objects.filter(span=Span.DAY, measure=Measure.RETURNED).count() == 1
    per_authority = AuthorityFigure.objects.filter(span=Span.MONTH, measure=Measure.RETURNED)
    assert sorted(per_authority.values_list("count", flat=True)) == [3, 3]


def _waiting_on_the_national_row() -> bool:
    """Whether another connection is blocked writing the national rollup (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE %s",
            ["%statistics_nationalfigure%"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_return_waits_for_the_national_row_another_authority_holds_then_adds_to_it():
    """The first return keeps its transaction open after writing the national row; the
    second, at another authority, waits on that row (seen on PostgreSQL in
    ``pg_stat_activity``), then adds to it once the first commits: both are counted."""
    first = make_filing(status=Status.REPORTED, code=CODE)
    second = make_filing(status=Status.REPORTED, code="310000")
    officers = {code: make_officer(code=code) for code in (CODE, "310000")}
    held, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def run(name: str, work) -> None:
        try:
            outcomes[name] = work()
        except BaseException as error:  # noqa: BLE001 - reported below
            outcomes[name] = error
        finally:
            connection.close()

    def hold_first() -> str:
        with transaction.atomic():
            return_(first, officers[CODE])
            held.set()
            assert release.wait(timeout=60), "never released"
        return OK

    def return_second() -> str:
        return_(second, officers["310000"])
        return OK

    threads = [threading.Thread(target=run, args=("first", hold_first))]
    threads[0].start()
    assert held.wait(timeout=60), outcomes
    threads.append(threading.Thread(target=run, args=("second", return_second)))
    threads[1].start()
    if connection.vendor == "postgresql":
        blocked = threading.Event()
        for _ in range(1200):
            if _waiting_on_the_national_row() or not threads[1].is_alive():
                blocked.set()
                break
            blocked.wait(timeout=0.05)
        assert threads[1].is_alive(), f"the second did not wait: {outcomes}"
        assert blocked.is_set(), "the second never reached the national row"
    release.set()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "deadlock"
    assert outcomes == {"first": OK, "second": OK}
    assert national_returns() == 2
    assert NationalFigure.objects.get(span=Span.DAY, measure=Measure.RETURNED).count == 2


@pytest.mark.django_db
def test_a_rolled_back_transition_leaves_no_count():
    officer = make_officer(code=CODE)
    filing = make_filing(status=Status.REPORTED, code=CODE)
    before = approvals()
    seen = []

    def approve_then_fail() -> None:
        with transaction.atomic():
            services.filing_approve(filing=filing, acting_user=officer)
            seen.append(approvals())
            raise RuntimeError("the surrounding work fails")

    with pytest.raises(RuntimeError):
        approve_then_fail()
    assert seen == [before + 1]
    assert approvals() == before
