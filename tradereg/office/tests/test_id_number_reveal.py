"""Officers see 有效证件号 masked; 查看完整证件号 asks why and leaves an audit event."""

import pytest
from django.test import Client
from django.urls import reverse

from tradereg.accounts.accesslog import redact
from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import PASSWORD, authority, make_filing, make_officer

pytestmark = pytest.mark.usefixtures("reference_data")


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def filing():
    return make_filing(status=Status.REPORTED, code="440300")


@pytest.fixture
def officer():
    return make_officer(code="440300")


def reveal(client: Client, filing, reason: str = "核对身份证复印件"):
    return client.post(
        reverse("office:id_number_reveal", args=[filing.pk]),
        {"reveal-revision": filing.current_revision.number, "reveal-reason": reason},
    )


def test_the_review_page_shows_the_number_masked(officer, filing):
    page = logged_in(officer).get(reverse("office:review", args=[filing.pk])).content.decode()
    number = filing.current_revision.id_number
    assert number not in page
    assert filing.current_revision.masked_id_number in page
    assert "查看完整证件号" in page


def test_a_reason_reveals_the_number_once_and_the_reveal_is_audited(officer, filing):
    response = reveal(logged_in(officer), filing)
    assert response.status_code == 200
    assert filing.current_revision.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(event="id_number_revealed")
    assert event.actor_name == officer.username
    assert event.object_id == str(filing.pk)
    assert event.data["reason"] == "核对身份证复印件"
    # The next view of the page is masked again: the reveal is not remembered.
    page = logged_in(officer).get(reverse("office:review", args=[filing.pk])).content.decode()
    assert filing.current_revision.id_number not in page


def test_without_a_reason_nothing_is_shown_and_the_field_says_why(officer, filing):
    response = reveal(logged_in(officer), filing, reason="   ")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请填写查看完整证件号的理由。" in page
    assert filing.current_revision.id_number not in page
    assert not AuditEvent.objects.filter(event="id_number_revealed").exists()


def test_no_one_outside_the_filings_scope_can_reveal(filing):
    other_officer = make_officer(code="110000")
    security_admin = staff_user_create(
        username="sec", password=PASSWORD, role=User.Role.SECURITY_ADMIN
    )
    auditor = staff_user_create(username="aud", password=PASSWORD, role=User.Role.AUDITOR)
    for user in (other_officer, security_admin, auditor, filing.owner):
        response = reveal(logged_in(user), filing)
        assert response.status_code == 404, user.username
        assert filing.current_revision.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(event="id_number_revealed").exists()


def test_a_supervisor_above_the_authority_may_reveal(filing):
    supervisor = staff_user_create(
        username="gd-supervisor",
        password=PASSWORD,
        role=User.Role.SUPERVISOR,
        authority=authority("440000"),
    )
    response = reveal(logged_in(supervisor), filing)
    assert response.status_code == 200
    assert filing.current_revision.id_number in response.content.decode()


def test_officers_find_a_filing_by_the_id_number(officer, filing):
    typed = filing.current_revision.id_number.lower()
    page = logged_in(officer).get(reverse("office:queue"), {"q": typed}).content.decode()
    assert filing.system_no in page
    # Only where the officer typed it: the search box and the two export links, which
    # export the same search. The results show no ID number.
    assert page.lower().count(typed) == 3
    assert f'value="{typed}"' in page
    assert page.count(f"q={typed}&amp;format=") == 2


def test_the_access_log_does_not_keep_what_an_officer_searched_for():
    line = 'GET /office/?status=reported&q=110105200207121766 HTTP/1.1" 200'
    assert "110105200207121766" not in redact(line)
    assert "/office/?status=reported&q=" in redact(line)


def test_the_system_admin_reads_the_review_page_masked_and_cannot_reveal(filing):
    admin = staff_user_create(username="mof", password=PASSWORD, role=User.Role.SYSTEM_ADMIN)
    client = logged_in(admin)
    page = client.get(reverse("office:review", args=[filing.pk])).content.decode()
    assert filing.current_revision.masked_id_number in page
    assert "查看完整证件号" not in page
    response = reveal(client, filing)
    assert response.status_code == 400
    assert "您无权查看该备案的完整证件号。" in response.content.decode()
    assert filing.current_revision.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(event="id_number_revealed").exists()
