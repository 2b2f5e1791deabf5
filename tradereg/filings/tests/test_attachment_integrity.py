"""The SHA-256 recorded at upload is checked each time a file is served: a file changed
or lost in storage is refused with a clear page and recorded in the audit trail."""

import hashlib
from pathlib import Path

import pytest
from django.test import Client

from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.core.demo import DEMO_PDF
from tradereg.filings.models import Attachment, Status
from tradereg.filings.tests.factories import make_filing, make_officer

pytestmark = pytest.mark.usefixtures("reference_data")


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def on_disk(attachment: Attachment) -> Path:
    return Path(attachment.file.path)


def url_of(attachment: Attachment) -> str:
    return f"/my/filings/{attachment.filing_id}/attachments/{attachment.pk}/"


@pytest.fixture
def reported():
    filing = make_filing(status=Status.REPORTED)
    return filing, filing.attachments.get(kind="signed_form")


def test_an_intact_file_is_served_and_matches_its_record(reported):
    filing, scan = reported
    assert scan.sha256 == hashlib.sha256(DEMO_PDF).hexdigest()
    response = client_for(filing.owner).get(url_of(scan) + "?download=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DEMO_PDF
    assert not AuditEvent.objects.filter(event="attachment_integrity_failed").exists()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda path: path.write_bytes(path.read_bytes().replace(b"595", b"596")), id="same-size"
        ),
        pytest.param(lambda path: path.write_bytes(path.read_bytes() + b"%evil\n"), id="grown"),
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:-10]), id="cut"),
    ],
)
def test_a_changed_file_is_refused_to_the_officer_and_recorded(reported, tamper):
    filing, scan = reported
    tamper(on_disk(scan))
    officer = make_officer(code="110000")
    client = client_for(officer)

    for query in ("", "?download=1"):  # the review page's preview and the download
        response = client.get(url_of(scan) + query)
        assert response.status_code == 409
        assert response["Content-Type"].startswith("text/html")
        assert "Content-Disposition" not in response
        page = response.content.decode()
        assert "附件校验失败" in page
        assert "校验值（SHA-256）不一致" in page
        assert "%PDF" not in page

    events = AuditEvent.objects.filter(event="attachment_integrity_failed").order_by("id")
    assert events.count() == 2
    event = events.first()
    assert event.outcome == "failed"
    assert event.actor_name == officer.username
    assert event.filing_id == filing.pk
    assert (event.object_type, event.object_id) == ("attachment", str(scan.pk))
    assert event.data["reason"] == "mismatch"
    assert event.data["expected_sha256"] == scan.sha256
    assert event.data["found_sha256"] != scan.sha256


def test_a_changed_file_is_refused_to_its_owner_too(reported):
    filing, scan = reported
    on_disk(scan).write_bytes(DEMO_PDF.replace(b"%%EOF", b"%%EOF\n<script>alert(1)</script>"))
    response = client_for(filing.owner).get(url_of(scan) + "?download=1")
    assert response.status_code == 409
    event = AuditEvent.objects.get(event="attachment_integrity_failed")
    assert event.actor_name == filing.owner.username


def test_a_lost_file_is_refused_with_its_own_words(reported):
    filing, scan = reported
    on_disk(scan).unlink()
    response = client_for(filing.owner).get(url_of(scan))
    assert response.status_code == 409
    assert "附件文件缺失" in response.content.decode()
    event = AuditEvent.objects.get(event="attachment_integrity_failed")
    assert event.data["reason"] == "missing"


def test_the_review_page_still_opens_when_a_file_is_damaged(reported):
    filing, scan = reported
    on_disk(scan).write_bytes(b"%PDF-1.4 overwritten")
    page = client_for(make_officer(code="110000")).get(f"/office/filings/{filing.pk}/")
    assert page.status_code == 200
    assert f'<iframe src="{url_of(scan)}"' in page.content.decode()
