"""/verify/ with an uploaded PDF: an intact signature by the authority, who and when, and
whether the form is still current; every bad file gets its reason beside the field and
nothing is kept.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tradereg.audit.models import AuditEvent
from tradereg.printing import services, signing
from tradereg.printing.models import RenderedForm, Side
from tradereg.printing.sheets import blank_form
from tradereg.printing.tests.helpers import approve_change, cancel, opened
from tradereg.printing.tests.signed import byte_flipped, content_replaced, foreign_files
from tradereg.printing.views import VERIFY_PDF

pytestmark = pytest.mark.usefixtures("reference_data")


def upload(data: bytes, client: Client | None = None, name: str = "登记表.pdf"):
    file = SimpleUploadedFile(name, data, content_type="application/pdf")
    return (client or Client()).post("/verify/", {"pdf": file})


def printed(filing, side: str = "front") -> bytes:
    return opened(filing).get(f"/print/{filing.pk}/{side}.pdf").content


def field_error(response) -> str:
    page = response.content.decode()
    assert 'id="id_pdf_error"' in page, page[:2000]
    return page.split('id="id_pdf_error">', 1)[1].split("</p>", 1)[0]


def test_printed_form_verifies_as_signed_and_current(approved):
    revision = approved.approved_revision
    for side in ("front", "back"):
        response = upload(printed(approved, side))
        assert response.status_code == 200
        page = response.content.decode()
        assert "签名有效" in page
        assert "签发机关" in page
        assert revision.authority.name in page
        assert "签名时间" in page
        assert "该登记表为当前有效版本" in page
        assert "真实有效" in page
        assert revision.name_cn in page


def test_pdf_check_is_logged_and_nothing_is_kept(approved, settings):
    data = printed(approved)
    kept = RenderedForm.objects.count()
    files = sorted(settings.MEDIA_ROOT.rglob("*"))
    upload(data)
    assert RenderedForm.objects.count() == kept
    assert sorted(settings.MEDIA_ROOT.rglob("*")) == files
    event = AuditEvent.objects.filter(event="form_verified", filing=approved).get()
    assert event.data["via"] == "pdf"
    assert event.data["result"] == "current"
    assert event.data["signer"] == approved.approved_revision.authority.name


def test_superseded_form_says_so(approved):
    old = printed(approved)
    approve_change(approved)
    page = upload(old).content.decode()
    assert "签名有效" in page
    assert "该登记表已被新版本替代" in page
    assert "该登记表为当前有效版本" not in page


def test_cancelled_form_says_so(approved):
    old = printed(approved)
    cancel(approved)
    page = upload(old).content.decode()
    assert "签名有效" in page
    assert "该登记表已注销" in page


def test_content_changed_in_an_incremental_update_is_detected(approved):
    response = upload(content_replaced(printed(approved)))
    assert response.status_code == 400
    assert "已被修改" in field_error(response)
    assert "签名有效" not in response.content.decode()


def test_changed_byte_is_detected(approved):
    response = upload(byte_flipped(printed(approved)))
    assert response.status_code == 400
    assert "已被修改" in field_error(response)


def test_not_a_pdf(approved):
    response = upload("这不是PDF".encode(), name="form.pdf")
    assert response.status_code == 400
    assert "不是PDF" in field_error(response)
    truncated = upload(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n")
    assert "不是有效的PDF" in field_error(truncated)


def test_unsigned_pdf(approved):
    blank = services.form_pdf(form=blank_form(), side=Side.FRONT)
    response = upload(blank)
    assert response.status_code == 400
    assert "没有数字签名" in field_error(response)


def test_no_file(approved):
    response = Client().post("/verify/", {})
    assert response.status_code == 400
    assert "请选择要核验的登记表PDF文件" in field_error(response)


def test_huge_file(approved, settings):
    data = printed(approved)
    settings.ATTACHMENT_MAX_BYTES = len(data) - 1
    response = upload(data)
    assert response.status_code == 400
    assert "文件过大" in field_error(response)


def test_signed_by_someone_else(approved, settings, tmp_path):
    paths, _root = foreign_files(tmp_path / "pki")
    settings.SIGNING_CERT, settings.SIGNING_KEY = str(paths["cert"]), str(paths["key"])
    settings.SIGNING_CHAIN = str(paths["chain"])
    signing.identities_forget()
    forged = printed(approved)
    settings.SIGNING_CERT = settings.SIGNING_KEY = settings.SIGNING_CHAIN = ""
    signing.identities_forget()
    response = upload(forged)
    assert response.status_code == 400
    assert "签名无效" in field_error(response)


def test_uploads_are_rate_limited(approved):
    client = Client()
    for _ in range(VERIFY_PDF.limit):
        assert upload(b"not a pdf", client).status_code == 400
    refused = upload(b"not a pdf", client)
    assert refused.status_code == 429
    assert "核验过于频繁" in refused.content.decode()
