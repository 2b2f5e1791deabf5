"""The officer benchmark's filings are what the life cycle would have left, and the
officer's pages read them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tradereg.devtools import office_bench
from tradereg.filings.models import Filing, FilingEvent, Status

pytestmark = pytest.mark.usefixtures("reference_data")


def test_generated_filings_agree_with_their_history_and_reach_the_queue():
    result = office_bench.bench_filings_ensure(count=120, log=lambda line: None)
    assert result["filings"] == 120
    filings = Filing.objects.filter(authority__code=office_bench.AUTHORITY_CODE)
    assert filings.count() == 120
    assert {Status.APPROVED, Status.REPORTED} <= set(filings.values_list("status", flat=True))
    now = timezone.now()
    for filing in filings.select_related("current_revision"):
        events = list(FilingEvent.objects.filter(filing=filing).order_by("created_at", "pk"))
        assert events[0].kind == FilingEvent.Kind.CREATED
        assert events[-1].status_after == filing.status
        assert all(a.created_at < b.created_at for a, b in zip(events, events[1:], strict=False))
        assert events[-1].created_at < now
        assert filing.current_revision.filing_id == filing.pk
        assert (filing.approved_revision_id is not None) == (filing.form_no is not None)
        if filing.status == Status.REPORTED:
            assert filing.reported_at is not None
    # A second call with the same count keeps the rows.
    assert office_bench.bench_filings_ensure(count=120, log=lambda line: None)["loaded"] == 0

    client = office_bench.officer_client()
    waiting = filings.filter(status=Status.REPORTED).order_by("reported_at", "pk").first()
    page = client.get(reverse("office:queue"))
    assert page.status_code == 200
    assert waiting.system_no in page.content.decode()
    name = waiting.current_revision.name_cn
    found = client.get(reverse("office:queue"), {"status": "", "q": name})
    assert waiting.system_no in found.content.decode()
