"""Daily snapshots: the files hold exactly the register, their size and SHA-256 are what
the list says, they download through the API, and only the newest 30 are kept."""

import csv
import gzip
import hashlib
import io
import json
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from tradereg.filings import services as filing_services
from tradereg.filings.tests.factories import make_officer
from tradereg.opendata import cursors
from tradereg.opendata.models import Snapshot
from tradereg.opendata.snapshots import snapshot_build
from tradereg.registry.models import PublishedForm, PublishedOperator

from .helpers import approved, key_for

pytestmark = pytest.mark.usefixtures("reference_data")


def download(client, url, **headers) -> bytes:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/gzip"
    return b"".join(response.streaming_content)


def test_snapshot_holds_the_register_and_says_its_size_and_hash(client):
    officer = make_officer(code="110000")
    kept = approved(officer=officer, name_cn="北京华兴进出口有限公司")
    gone = approved(officer=officer)
    filing_services.filing_cancel(filing=gone, acting_user=officer, reason="企业申请注销")
    call_command("snapshot_build", stdout=io.StringIO())

    [listed] = client.get("/api/v1/snapshots").json()
    assert listed["row_count"] == PublishedOperator.objects.count() == 2
    assert cursors.change_position(listed["changes_cursor"]) == 3
    csv_bytes = download(client, listed["csv"]["url"])
    jsonl_bytes = download(client, listed["jsonl"]["url"], HTTP_X_API_KEY=key_for())
    for data, facts in ((csv_bytes, listed["csv"]), (jsonl_bytes, listed["jsonl"])):
        assert len(data) == facts["size"]
        assert hashlib.sha256(data).hexdigest() == facts["sha256"]

    rows = list(csv.DictReader(io.StringIO(gzip.decompress(csv_bytes).decode("utf-8"))))
    lines = [json.loads(line) for line in gzip.decompress(jsonl_bytes).decode().splitlines()]
    assert rows == [{k: str(v) for k, v in line.items()} for line in lines]
    by_code = {row["ie_code"]: row for row in lines}
    assert set(by_code) == {kept.ie_code, gone.ie_code}
    assert by_code[kept.ie_code]["name_cn"] == "北京华兴进出口有限公司"
    assert by_code[gone.ie_code]["status"] == "cancelled"
    code = PublishedForm.objects.get(filing_id=kept.pk).code
    assert by_code[kept.ie_code]["verification_code"] == code
    assert "masked_id_number" not in lines[0]
    assert "representative" not in lines[0]


def test_the_newest_30_are_kept_and_a_day_rebuilt_replaces_its_files(
    django_capture_on_commit_callbacks,
):
    approved()
    with django_capture_on_commit_callbacks(execute=True):
        first = snapshot_build(day=date(2026, 1, 1))
        for n in range(1, 31):
            snapshot_build(day=date(2026, 1, 1) + timedelta(days=n))
    assert Snapshot.objects.count() == 30
    assert not Snapshot.objects.filter(day=date(2026, 1, 1)).exists()
    assert not default_storage.exists(first.csv_name)
    latest = Snapshot.objects.order_by("-day").first()
    with django_capture_on_commit_callbacks(execute=True):
        again = snapshot_build(day=latest.day)
    assert Snapshot.objects.filter(day=latest.day).get().pk == again.pk
    assert not default_storage.exists(latest.jsonl_name)
    assert default_storage.exists(again.jsonl_name)


def test_snapshot_errors(client):
    missing = client.get("/api/v1/snapshots/999/csv")
    assert (missing.status_code, missing.json()["code"]) == (404, "snapshot_not_found")
    wrong = client.get("/api/v1/snapshots/1/xlsx")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "validation_error")
