"""核验登记表: the QR code and the short code on an approved form, and what they open."""

import pytest
import segno
from django.test import Client

from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Status
from tradereg.filings.publication import filing_publish
from tradereg.filings.tests.factories import make_filing
from tradereg.printing.tests.helpers import approve_change, cancel, opened
from tradereg.printing.views import VERIFY_LIMIT
from tradereg.registry.models import PublishedForm
from tradereg.registry.services import CODE_ALPHABET, CODE_LENGTH

pytestmark = pytest.mark.usefixtures("reference_data")


def code_of(filing) -> PublishedForm:
    """The code of the filing's approved revision, as the registry issued it at approval."""
    return PublishedForm.objects.get(
        filing_id=filing.pk, revision_number=filing.approved_revision.number
    )


def verify(code: str, client: Client | None = None):
    return (client or Client()).get(f"/verify/{code}/")


def test_approved_front_carries_qr_and_code(approved, settings):
    page = opened(approved).get(f"/print/{approved.pk}/").content.decode()
    entry = PublishedForm.objects.get(filing_id=approved.pk)
    assert entry.revision_number == approved.approved_revision.number
    assert len(entry.code) == CODE_LENGTH
    assert set(entry.code) <= set(CODE_ALPHABET)
    assert entry.display in page
    url = settings.SITE_URL.rstrip("/") + f"/verify/{entry.code}/"
    expected = segno.make(url, error="m").svg_inline(
        border=2, omitsize=True, dark="#000", light="#fff"
    )
    assert expected in page  # the QR code encodes the verification URL
    assert "<img" not in page.split('class="qr"', 1)[1][:200]  # inline SVG, no request


def test_code_exists_at_approval_before_anyone_prints(approved):
    entry = code_of(approved)
    assert len(entry.code) == CODE_LENGTH
    assert set(entry.code) <= set(CODE_ALPHABET)
    assert "真实有效" in verify(entry.code).content.decode()


def test_code_is_issued_once_per_approved_revision(approved):
    first = code_of(approved)
    opened(approved).get(f"/print/{approved.pk}/")
    filing_publish(filing=approved)  # published again: the same revision keeps its code
    assert code_of(approved).code == first.code
    assert PublishedForm.objects.filter(filing_id=approved.pk).count() == 1


def test_cancelling_keeps_the_code(approved):
    first = code_of(approved)
    cancel(approved)
    assert code_of(approved).code == first.code


def test_a_draft_has_no_code(draft):
    assert not PublishedForm.objects.filter(filing_id=draft.pk).exists()


def test_codes_differ_between_filings(approved):
    other = make_filing(status=Status.APPROVED)
    assert code_of(other).code != code_of(approved).code


def test_current_form_verifies_as_genuine_and_current(approved):
    entry = code_of(approved)
    response = verify(entry.code)
    assert response.status_code == 200
    page = response.content.decode()
    assert "真实有效" in page
    revision = approved.approved_revision
    for public in (revision.name_cn, approved.form_no, approved.ie_code, revision.uscc):
        assert public in page
    assert revision.authority.name in page


def test_verification_shows_no_personal_data(approved):
    revision = approved.approved_revision
    page = verify(code_of(approved).code).content.decode()
    for private in (
        revision.id_number,
        revision.masked_id_number,
        revision.representative,
        revision.phone,
        revision.email,
        revision.residence,
        approved.system_no,
    ):
        assert private not in page, private


def test_superseded_form_says_so(approved):
    old = code_of(approved)
    old_name = approved.approved_revision.name_cn
    approved = approve_change(approved)
    page = verify(old.code).content.decode()
    assert "已被变更取代" in page
    assert old_name in page  # described as it was printed
    assert approved.approved_revision.name_cn not in page
    new = code_of(approved)
    assert new.code != old.code
    assert "真实有效" in verify(new.code).content.decode()


def test_pending_change_does_not_supersede(changing):
    page = verify(code_of(changing).code).content.decode()
    assert "真实有效" in page


def test_cancelled_form_says_so(approved):
    entry = code_of(approved)
    cancel(approved)
    response = verify(entry.code)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已注销" in page
    assert "不再有效" in page
    assert "真实有效" not in page


def test_unknown_code_is_not_found(approved):
    response = verify("0000000000")
    assert response.status_code == 404
    assert "未找到该核验码对应的登记表" in response.content.decode()


def test_every_verification_is_logged(approved):
    entry = code_of(approved)
    verify(entry.code)
    verify("ZZZZZZZZZZ")
    found = AuditEvent.objects.get(event="form_verified", filing=approved)
    assert found.data == {"code": entry.code, "result": "current", "revision": 1}
    missing = AuditEvent.objects.get(event="form_verified", filing=None)
    assert missing.data["result"] == "not_found"


def test_typed_code_is_normalised(approved):
    entry = code_of(approved)
    response = Client().get("/verify/", {"code": f" {entry.display.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{entry.code}/"
    assert verify(entry.display.lower())["Location"] == f"/verify/{entry.code}/"


def test_lookalike_letters_read_as_digits(approved):
    entry = code_of(approved)
    typed = entry.code.replace("0", "O").replace("1", "I")
    response = Client().get("/verify/", {"code": typed})
    assert response["Location"] == f"/verify/{entry.code}/"


def test_verify_form_explains_a_malformed_code(client):
    response = client.get("/verify/", {"code": "123"})
    assert response.status_code == 200
    assert "核验码为10位字母或数字" in response.content.decode()
    page = client.get("/verify/").content.decode()
    assert '<label for="id_code"' in page
    assert "提交" in page


def test_verification_is_rate_limited(approved):
    client = Client()
    for _ in range(VERIFY_LIMIT):
        verify("0000000000", client)
    response = verify(code_of(approved).code, client)
    assert response.status_code == 429
    assert "核验过于频繁" in response.content.decode()
