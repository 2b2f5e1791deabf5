"""An enterprise reaches only its own filings and files, whatever id it puts in the URL
(ASVS 5.0 V8.2.2 object-level access, V8.3.1 enforced on the server; 等保 8.1.4.2 访问控制).

The matrix (``test_access_control_matrix.py``) asks every URL once per role; these follow
one attack each to the database: nothing changed, nothing recorded in anyone else's name.
"""

import pytest
from django.urls import reverse

from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Attachment, Filing, Status
from tradereg.filings.tests.factories import form_post, make_filing, pdf_upload

from .conftest import ROLES, logged_in

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_nobody_but_the_owner_changes_the_filing(world, role):
    filing, attachment = world["filing"], world["attachment"]
    before = (filing.status, filing.current_revision_id, filing.attachments.count())
    client = world["clients"][role]
    client.post(reverse("filings:report", args=[filing.pk]))
    client.post(
        reverse("filings:attachment_upload", args=[filing.pk]),
        {"kind": "other", "file": pdf_upload()},
    )
    client.post(reverse("filings:attachment_delete", args=[filing.pk, attachment.pk]))
    filing.refresh_from_db()
    assert (filing.status, filing.current_revision_id, filing.attachments.count()) == before
    assert (
        not AuditEvent.objects.filter(
            filing=filing, event__in=["filing_reported", "attachment_added", "attachment_deleted"]
        )
        .exclude(actor=filing.owner)
        .exists()
    )


def test_other_enterprise_cannot_report(world):
    filing = world["filing"]
    response = world["clients"]["other_enterprise"].post(f"/my/filings/{filing.pk}/report/")
    assert response.status_code == 404
    filing.refresh_from_db()
    assert filing.status == Status.DRAFT


def test_other_enterprise_cannot_edit(world):
    filing = world["filing"]
    revision = filing.current_revision
    data = form_post(
        uscc=revision.uscc,
        registration_no=revision.registration_no,
        email="intruder@example.cn",
        authority="310000",
    )
    response = world["clients"]["other_enterprise"].post(f"/my/filings/{filing.pk}/edit/", data)
    assert response.status_code == 404
    filing.refresh_from_db()
    assert filing.current_revision_id == revision.pk
    assert filing.authority.code == "440300"
    assert filing.revisions.count() == 1


def test_other_enterprise_cannot_edit_reported_filing():
    filing = make_filing(status=Status.REPORTED)
    other = make_filing()
    revision = filing.current_revision
    data = form_post(uscc=revision.uscc, registration_no=revision.registration_no)
    response = logged_in(other.owner).post(f"/my/filings/{filing.pk}/edit/", data)
    assert response.status_code == 404
    filing.refresh_from_db()
    assert filing.revisions.count() == 1
    assert filing.status == Status.REPORTED


def test_other_enterprise_cannot_delete_attachment(world):
    filing, attachment = world["filing"], world["attachment"]
    response = world["clients"]["other_enterprise"].post(
        f"/my/filings/{filing.pk}/attachments/{attachment.pk}/delete/"
    )
    assert response.status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_other_enterprise_cannot_upload(world):
    filing = world["filing"]
    response = world["clients"]["other_enterprise"].post(
        f"/my/filings/{filing.pk}/attachments/", {"kind": "signed_form", "file": pdf_upload()}
    )
    assert response.status_code == 404
    assert filing.attachments.count() == 2
    assert filing.attachments.get(kind="signed_form").pk == world["attachment"].pk


def test_attachment_id_under_own_filing_id_is_not_served(world):
    """URL tampering: B's filing id with A's attachment id."""
    other, attachment = world["other"], world["attachment"]
    client = world["clients"]["other_enterprise"]
    response = client.get(f"/my/filings/{other.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 404
    response = client.get(f"/my/filings/{other.pk}/attachments/{attachment.pk}/?download=1")
    assert response.status_code == 404


def test_attachment_id_under_own_filing_id_is_not_deleted(world):
    other, attachment = world["other"], world["attachment"]
    world["clients"]["other_enterprise"].post(
        f"/my/filings/{other.pk}/attachments/{attachment.pk}/delete/"
    )
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_officer_cannot_reach_attachment_through_another_filing_id(world):
    """An officer of 上海 may not reach a 深圳 attachment under a 上海 filing's id."""
    shanghai = make_filing(code="310000")
    response = world["clients"]["other_officer"].get(
        f"/my/filings/{shanghai.pk}/attachments/{world['attachment'].pk}/"
    )
    assert response.status_code == 404


def test_officer_follows_the_filing_when_its_authority_changes(world):
    filing = make_filing(status=Status.REPORTED, code="440300")
    attachment = filing.attachments.first()
    revision = filing.current_revision
    data = form_post(
        uscc=revision.uscc,
        registration_no=revision.registration_no,
        email=revision.email,
        authority="310000",
    )
    logged_in(filing.owner).post(f"/my/filings/{filing.pk}/edit/", data)
    filing.refresh_from_db()
    assert filing.authority.code == "310000"
    url = f"/my/filings/{filing.pk}/attachments/{attachment.pk}/"
    assert world["clients"]["officer"].get(url).status_code == 404
    assert world["clients"]["other_officer"].get(url).status_code == 200


def test_unknown_filing_and_attachment_ids_are_404(world):
    client = world["clients"]["owner"]
    missing = Filing.objects.order_by("-pk").first().pk + 100
    assert client.get(f"/my/filings/{missing}/").status_code == 404
    filing = world["filing"]
    missing_attachment = Attachment.objects.order_by("-pk").first().pk + 100
    response = client.get(f"/my/filings/{filing.pk}/attachments/{missing_attachment}/")
    assert response.status_code == 404
