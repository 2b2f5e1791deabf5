"""The owner's form (/filing/<pk>/application-form/): printed without typing anything."""

import pytest
from django.test import Client

from tradereg.filings.tests.factories import make_filing
from tradereg.printing.tests.helpers import cancel, logged_in

pytestmark = pytest.mark.usefixtures("reference_data")


def page_of(client, filing) -> str:
    response = client.get(f"/filing/{filing.pk}/application-form/")
    assert response.status_code == 200
    return response.content.decode()


def test_owner_sees_the_id_number_in_full(draft):
    revision = draft.current_revision
    page = page_of(logged_in(draft.owner), draft)
    assert revision.id_number in page


def test_draft_is_an_application_marked_not_yet_approved(draft):
    page = page_of(logged_in(draft.owner), draft)
    assert "申请表 · 尚未审核" in page
    assert draft.system_no in page
    assert "核验码" not in page
    assert f"/filing/{draft.pk}/application-form/front.pdf" in page
    assert f"/filing/{draft.pk}/application-form/back.pdf" in page


def test_approved_filing_prints_the_approved_form_with_its_code(approved):
    page = page_of(logged_in(approved.owner), approved)
    assert "尚未审核" not in page
    assert "核验码" in page
    assert approved.form_no in page
    assert approved.approved_revision.id_number in page


def test_pending_change_prints_the_change_to_sign(changing):
    page = page_of(logged_in(changing.owner), changing)
    assert changing.current_revision.name_cn in page
    assert "申请表 · 尚未审核" in page
    assert changing.form_no in page  # the number is kept across changes


def test_cancelled_filing_is_marked_for_the_owner_too(approved):
    cancel(approved)
    assert "已注销" in page_of(logged_in(approved.owner), approved)


@pytest.mark.parametrize("side", ["front", "back"])
def test_owner_pdfs_hidden_from_everyone_else(approved, side):
    url = f"/filing/{approved.pk}/application-form/{side}.pdf"
    assert logged_in(approved.owner).get(url).status_code == 200
    assert Client().get(url).status_code == 404
    assert logged_in(make_filing().owner).get(url).status_code == 404
