"""Staff see the filings of their scope and decide only on their own authority's
(ASVS 5.0 V8.2.1 function level, V8.2.2 object level; 等保 8.1.4.2 访问控制, 三员分立).

The filing under test is addressed to 深圳市商务局 (440300), under 广东省商务厅 (440000):

- its officer reads everything and decides;
- a supervisor of 广东省商务厅 and the 系统管理员 read it but are offered no decision,
  and a decision they post anyway is refused with a message (the matrix in
  ``test_access_control_matrix.py`` asks every URL for every role);
- officers of other authorities (310000) and supervisors of other provinces (320000)
  never see it in a list.
"""

import pytest
from django.urls import reverse

from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing

from .conftest import state

pytestmark = pytest.mark.usefixtures("reference_data")

IN_SCOPE = ("officer", "supervisor", "system_admin")  # staff who may see the filing
READ_ONLY = ("supervisor", "system_admin")  # staff who see it but may not decide


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_staff_see_no_decision_buttons(world, role):
    client = world["clients"][role]
    for target in ("reported", "approved"):
        body = client.get(reverse("office:review", args=[world[target].pk])).content.decode()
        assert world[target].system_no in body
        for action in ("approve", "return", "cancel", "note"):
            assert reverse(f"office:{action}", args=[world[target].pk]) not in body, (
                f"{role} is offered {action} on the {target} filing"
            )
    accounts = client.get(reverse("office:accounts"), {"q": world["legacy"].system_no})
    body = accounts.content.decode()
    assert world["legacy"].system_no in body or "深圳历史贸易有限公司" in body
    assert reverse("office:claim", args=[world["legacy"].pk]) not in body
    owner_lookup = client.get(reverse("office:accounts"), {"q": world["reported"].system_no})
    assert world["owner"].username in owner_lookup.content.decode()
    assert (
        reverse("office:password_reset", args=[world["owner"].pk])
        not in owner_lookup.content.decode()
    )


def test_officer_is_offered_the_decisions_for_the_status(world):
    client = world["clients"]["officer"]
    reported = client.get(reverse("office:review", args=[world["reported"].pk])).content.decode()
    assert reverse("office:approve", args=[world["reported"].pk]) in reported
    assert reverse("office:return", args=[world["reported"].pk]) in reported
    assert reverse("office:cancel", args=[world["reported"].pk]) not in reported
    approved = client.get(reverse("office:review", args=[world["approved"].pk])).content.decode()
    assert reverse("office:cancel", args=[world["approved"].pk]) in approved
    assert reverse("office:approve", args=[world["approved"].pk]) not in approved


def test_supervisor_sees_the_authorities_under_the_province_only(world):
    """广东省商务厅 sees 深圳 and itself, not another province's cities."""
    elsewhere = make_filing(status=Status.REPORTED, code="320500")  # 苏州 under 江苏
    own = make_filing(status=Status.REPORTED, code="440000")
    body = world["clients"]["supervisor"].get(reverse("office:queue")).content.decode()
    assert world["reported"].system_no in body
    assert own.system_no in body
    assert elsewhere.system_no not in body
    other = world["clients"]["other_supervisor"].get(reverse("office:queue")).content.decode()
    assert elsewhere.system_no in other
    assert world["reported"].system_no not in other
    admin = world["clients"]["system_admin"].get(reverse("office:queue")).content.decode()
    assert all(
        n in admin for n in (world["reported"].system_no, own.system_no, elsewhere.system_no)
    )


def test_password_reset_is_refused_for_an_enterprise_of_another_authority(world):
    """The user id is in the URL: an officer cannot mail an enterprise that is not theirs."""
    stranger = make_filing(status=Status.REPORTED, code="310000").owner
    before = state()
    response = world["clients"]["officer"].post(
        reverse("office:password_reset", args=[stranger.pk])
    )
    assert response.status_code == 404
    assert state() == before
    # Nor can a staff account be targeted.
    response = world["clients"]["officer"].post(
        reverse("office:password_reset", args=[world["people"]["supervisor"].pk])
    )
    assert response.status_code == 404
    assert state() == before


def test_redirect_after_a_decision_stays_in_the_office(world):
    """The ``back`` field cannot send the officer to another site."""
    client = world["clients"]["officer"]
    response = client.post(
        reverse("office:claim", args=[world["legacy"].pk]),
        {"email": "legacy@example.cn", "back": "https://evil.example/office/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/office/accounts/"
    response = client.post(
        reverse("office:password_reset", args=[world["owner"].pk]),
        {"back": "//evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/office/accounts/"


def test_supervisor_and_admin_can_open_the_attachments_their_review_page_shows(world):
    """The review page embeds each attachment; a reader of the page can open it."""
    attachment = world["reported"].attachments.first()
    url = reverse("filings:attachment", args=[world["reported"].pk, attachment.pk])
    for role in IN_SCOPE:
        client = world["clients"][role]
        page = client.get(reverse("office:review", args=[world["reported"].pk])).content.decode()
        assert url in page
        response = client.get(url)
        assert response.status_code == 200, f"{role} sees the attachment but cannot open it"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for role in ("other_officer", "other_supervisor"):
        assert world["clients"][role].get(url).status_code == 404
