"""Fixtures for printing: filings in each state."""

import pytest

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing


@pytest.fixture
def approved(reference_data):
    return make_filing(status=Status.APPROVED)


@pytest.fixture
def changing(reference_data):
    """Approved, with a saved change whose data differ from the approved revision."""
    return make_filing(status=Status.CHANGING)


@pytest.fixture
def draft(reference_data):
    return make_filing()
