"""下一件 on the review page: the next waiting report of the officer's own queue, oldest
first as the queue lists them; after a decision, the oldest one still waiting."""

import re

import pytest
from django.urls import reverse

from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing, make_officer

pytestmark = pytest.mark.usefixtures("reference_data")


def next_link(client, filing) -> int | None:
    page = client.get(reverse("office:review", args=[filing.pk])).content.decode()
    found = re.search(r'<a href="/office/filings/(\d+)/" rel="next">下一件', page)
    return int(found[1]) if found else None


def test_next_follows_the_queue_and_stays_within_the_authority(client):
    first, second, third = (make_filing(status=Status.REPORTED) for _ in range(3))
    elsewhere = make_filing(status=Status.REPORTED, code="310000")
    officer = make_officer(code="110000")
    login_verified(client, officer)

    assert next_link(client, first) == second.pk
    assert next_link(client, second) == third.pk
    assert next_link(client, third) == first.pk  # past the last: the oldest again
    assert elsewhere.pk not in {next_link(client, f) for f in (first, second, third)}

    services.filing_approve(filing=first, acting_user=officer)
    assert next_link(client, first) == second.pk


def test_no_next_when_nothing_else_waits(client):
    only = make_filing(status=Status.REPORTED)
    login_verified(client, make_officer(code="110000"))
    assert next_link(client, only) is None
