"""The change feed: every publish, change and cancellation, in order, resumable from any
cursor without gaps or duplicates; written in the publishing transaction."""

import pytest
from django.db import transaction

from tradereg.filings import services as filing_services
from tradereg.filings.publication import filing_publish, published_values
from tradereg.filings.tests.factories import make_officer
from tradereg.opendata import cursors
from tradereg.opendata.models import ChangeEntry
from tradereg.registry.services import registry_publish_new

from .helpers import approved, change_approved

pytestmark = pytest.mark.usefixtures("reference_data")


def feed(client, after=None, limit=100):
    params = {"limit": limit, **({"after": after} if after else {})}
    return client.get("/api/v1/changes", params).json()


def test_publish_change_and_cancel_are_entries_in_order(client):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    other = approved(officer=officer)
    filing = change_approved(filing, officer=officer)
    filing_services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请注销")
    entries = feed(client)["entries"]
    assert [(e["ie_code"], e["kind"]) for e in entries] == [
        (filing.ie_code, "published"),
        (other.ie_code, "published"),
        (filing.ie_code, "changed"),
        (filing.ie_code, "cancelled"),
    ]
    assert [e["revision_number"] for e in entries][2] == filing.approved_revision.number
    assert entries[3]["status"] == "cancelled"


def test_publishing_the_same_state_again_adds_nothing():
    filing = approved()
    with transaction.atomic():
        filing_publish(filing=filing)
    assert ChangeEntry.objects.filter(filing_id=filing.pk).count() == 1


def test_a_consumer_resumes_from_any_cursor_without_gaps_or_duplicates(client):
    officer = make_officer(code="110000")
    filings = [approved(officer=officer) for _ in range(5)]
    change_approved(filings[1], officer=officer)
    everything = feed(client)["entries"]
    assert len(everything) == 6
    for start in [None] + [entry["cursor"] for entry in everything]:
        read, after = [], start
        while True:
            page = feed(client, after, limit=2)
            if not page["entries"]:
                assert page["next_cursor"] == (after or cursors.change_cursor(0))
                break
            read += page["entries"]
            after = page["next_cursor"]
        skipped = 0 if start is None else [e["cursor"] for e in everything].index(start) + 1
        assert read == everything[skipped:]
    # A consumer that stopped at the end catches up with what comes after.
    last = everything[-1]["cursor"]
    late = approved(officer=officer)
    assert [e["ie_code"] for e in feed(client, last)["entries"]] == [late.ie_code]


def test_a_rolled_back_publication_leaves_no_entry_and_no_gap(client):
    officer = make_officer(code="110000")
    first = approved(officer=officer)
    filing = approved(officer=officer)

    def cancel_then_fail():
        with transaction.atomic():
            filing_services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请注销")
            raise RuntimeError("the rest of the transaction failed")

    with pytest.raises(RuntimeError):
        cancel_then_fail()
    second = approved(officer=officer)
    positions = list(ChangeEntry.objects.values_list("position", flat=True))
    assert positions == list(range(positions[0], positions[0] + 3))
    assert [e["ie_code"] for e in feed(client)["entries"]] == [
        first.ie_code,
        filing.ie_code,
        second.ie_code,
    ]


def test_an_import_writes_one_entry_per_operator(client):
    filing = approved()
    values = dict(published_values(filing), form_no="99999999", ie_code="1100999999999")
    with transaction.atomic():
        registry_publish_new(items=[(filing.pk + 1000, values)])
    entries = feed(client)["entries"]
    assert [(e["ie_code"], e["kind"]) for e in entries][-1] == ("1100999999999", "published")
