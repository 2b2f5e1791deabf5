"""Staff reads and refused accesses leave audit events (等保 8.1.4.3 安全审计)."""

import pytest
from django.test import Client

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Filing
from tradereg.filings.tests.factories import (
    attach_required,
    authority,
    make_filing,
    make_officer,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_an_enterprise_asking_for_anothers_filing_is_refused_and_recorded():
    mine, theirs = make_filing(), make_filing()
    client = client_for(mine.owner)
    assert client.get(f"/my/filings/{theirs.pk}/").status_code == 404
    event = AuditEvent.objects.get(event="access_refused")
    assert (event.object_type, str(event.object_id)) == ("filing", str(theirs.pk))
    assert event.actor_name == mine.owner.username
    assert event.outcome == "refused"


def test_a_missing_filing_is_a_plain_404_without_an_event():
    mine = make_filing()
    missing = Filing.objects.order_by("-pk").first().pk + 100
    assert client_for(mine.owner).get(f"/my/filings/{missing}/").status_code == 404
    assert not AuditEvent.objects.filter(event="access_refused").exists()


def test_an_officer_of_another_authority_is_refused_and_recorded():
    filing = make_filing(status="reported", code="110000")
    stranger = make_officer(code="310000")
    assert client_for(stranger).get(f"/office/filings/{filing.pk}/").status_code == 404
    event = AuditEvent.objects.get(event="access_refused")
    assert event.actor_name == stranger.username
    assert str(event.object_id) == str(filing.pk)


def test_an_officer_reading_a_filing_and_its_files_is_recorded():
    filing = make_filing(code="110000")
    attach_required(filing)
    officer = make_officer(code="110000")
    client = client_for(officer)
    assert client.get(f"/office/filings/{filing.pk}/").status_code == 200
    viewed = AuditEvent.objects.get(event="filing_viewed")
    assert viewed.actor_name == officer.username
    scan = filing.attachments.get(kind="signed_form")
    shown = client.get(f"/my/filings/{filing.pk}/attachments/{scan.pk}/")
    assert shown.status_code == 200
    # Framed inline by the review page, and by no other site.
    assert shown["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in shown["Content-Security-Policy"]
    download = AuditEvent.objects.get(event="attachment_downloaded")
    assert (download.object_type, str(download.object_id)) == ("attachment", str(scan.pk))
    # The owner reading their own file is no staff access.
    owner = client_for(filing.owner)
    assert owner.get(f"/my/filings/{filing.pk}/attachments/{scan.pk}/").status_code == 200
    assert AuditEvent.objects.filter(event="attachment_downloaded").count() == 1


@pytest.mark.parametrize(
    ("role", "link"),
    [("auditor", "/audit/"), ("security_admin", "/admin/"), ("officer", "/office/")],
)
def test_the_header_leads_each_role_to_its_own_workspace(role, link):
    user = staff_user_create(
        username=f"head-{role}",
        password="Kx7#mPq2Lw9z",
        role=role,
        authority=authority("110000") if role == "officer" else None,
    )
    assert user.role == User.Role(role)
    page = client_for(user).get("/regulations/").content.decode()
    assert f'href="{link}"' in page
