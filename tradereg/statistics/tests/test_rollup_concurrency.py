"""Decisions taken at the same moment at one authority add to the same statistics row
without losing a count, on real connections (one thread each); a transition that fails
after its event is written leaves no count behind."""

import pytest
from django.db import transaction

from tradereg.filings import services
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing, make_officer
from tradereg.office.tests.test_concurrency import OK, together
from tradereg.statistics.models import Figure, Measure, Span

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
