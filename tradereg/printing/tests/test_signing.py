"""The approved form's PDF is signed by its filing authority (PAdES, decision 0025): the
signature validates with pyHanko, covers the whole file and names the authority; the
embedded certificate authority lives in DATA_DIR with private files; production signs only
with configured certificates.
"""

import io
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.status import SignatureCoverageLevel

from tradereg.core.checks import signing_configured
from tradereg.printing import services, signing
from tradereg.printing.models import Audience, RenderedForm, Side
from tradereg.printing.sheets import blank_form
from tradereg.printing.tests.helpers import logged_in, opened, pdf_text
from tradereg.printing.tests.signed import foreign_files, signature_status
from tradereg.registry.models import PublishedForm

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def fresh_signing():
    """Identities loaded under other settings are forgotten before and after the test."""
    signing.identities_forget()
    yield
    signing.identities_forget()


def test_approved_pdf_is_signed_by_its_authority_and_validates(approved):
    client = opened(approved)
    revision = approved.approved_revision
    before = datetime.now(UTC)
    for side in ("front", "back"):
        data = client.get(f"/print/{approved.pk}/{side}.pdf").content
        status = signature_status(data)
        assert status.bottom_line, status.summary()
        assert status.intact
        assert status.valid
        assert status.trusted
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert status.signing_cert.subject.native["common_name"] == revision.authority.name
        assert status.signing_cert.subject.native["serial_number"] == revision.authority.code
        assert before - timedelta(minutes=1) <= status.signer_reported_dt <= datetime.now(UTC)
        assert approved.form_no in pdf_text(data)  # the content still extracts
    front = client.get(f"/print/{approved.pk}/front.pdf").content
    assert revision.name_cn in pdf_text(front)


def test_signature_reason_names_the_form_and_its_code(approved):
    data = opened(approved).get(f"/print/{approved.pk}/back.pdf").content
    reader = PdfFileReader(io.BytesIO(data))
    reason = str(reader.embedded_signatures[0].sig_object["/Reason"])
    entry = PublishedForm.objects.get(filing_id=approved.pk)
    assert reason == f"备案登记表编号 {approved.form_no}，核验码 {entry.display}"


def test_owner_copy_is_signed_and_the_application_is_not(approved, draft):
    owner = logged_in(approved.owner)
    data = owner.get(f"/filing/{approved.pk}/application-form/front.pdf").content
    assert signature_status(data).bottom_line
    application = logged_in(draft.owner).get(f"/filing/{draft.pk}/application-form/front.pdf")
    assert b"/ByteRange" not in application.content
    assert b"/ByteRange" not in services.form_pdf(form=blank_form(), side=Side.FRONT)


def test_kept_pdf_is_the_signed_one_and_names_its_certificate(approved):
    client = opened(approved)
    first = client.get(f"/print/{approved.pk}/front.pdf").content
    again = client.get(f"/print/{approved.pk}/front.pdf").content
    assert first == again  # served from the kept file, signature and all
    form = services.published_printed_form(filing_id=approved.pk)
    identity = services.form_signer(form=form)
    kept = RenderedForm.objects.get(filing=approved, side=Side.FRONT, audience=Audience.PUBLIC)
    assert kept.signer == identity.fingerprint


def test_embedded_authority_is_made_in_the_data_dir_with_private_files(
    approved, settings, tmp_path, fresh_signing
):
    settings.DATA_DIR = tmp_path / "data"
    data = opened(approved).get(f"/print/{approved.pk}/front.pdf").content
    folder = tmp_path / "data" / "signing"
    code = approved.approved_revision.authority.code
    files = [
        folder / "root-key.pem",
        folder / "root-cert.pem",
        folder / "authorities" / f"{code}-key.pem",
        folder / "authorities" / f"{code}-cert.pem",
    ]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in (folder, folder / "authorities"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    root = x509.load_pem_x509_certificate(files[1].read_bytes())
    issued = x509.load_pem_x509_certificate(files[3].read_bytes())
    assert issued.issuer == root.subject
    assert issued.verify_directly_issued_by(root) is None
    status = signature_status(data, roots=[root])
    assert status.bottom_line
    assert status.signing_cert.dump() == signature_status(data).signing_cert.dump()


def test_authority_renamed_gets_a_certificate_in_its_new_name(settings, tmp_path, fresh_signing):
    settings.DATA_DIR = tmp_path / "data"
    old = signing.identity_for(authority_code="110000", authority_name="北京市商务委员会")
    new = signing.identity_for(authority_code="110000", authority_name="北京市商务局")
    assert new.fingerprint != old.fingerprint
    name = new.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert name == "北京市商务局"
    signing.identities_forget()
    again = signing.identity_for(authority_code="110000", authority_name="北京市商务局")
    assert again.fingerprint == new.fingerprint  # kept on disk, not issued again


def test_production_without_certificates_refuses_to_sign(approved, settings, fresh_signing):
    settings.PRODUCTION = True
    settings.SIGNING_CERT = settings.SIGNING_KEY = ""
    assert [error.id for error in signing_configured()] == ["tradereg.E030"]
    with pytest.raises(ImproperlyConfigured, match="SIGNING_CERT"):
        services.form_pdf_render(form=services.published_printed_form(filing_id=approved.pk))


def test_production_signs_with_the_configured_certificate(
    approved, settings, tmp_path, fresh_signing
):
    paths, root = foreign_files(tmp_path / "pki", common_name="北京市商务局（正式证书）")
    settings.PRODUCTION = True
    settings.SIGNING_CERT, settings.SIGNING_KEY = str(paths["cert"]), str(paths["key"])
    settings.SIGNING_CHAIN = str(paths["chain"])
    assert signing_configured() == []
    assert signing.trust_roots() == [root]  # the self-signed root of the chain
    data = opened(approved).get(f"/print/{approved.pk}/front.pdf").content
    status = signature_status(data, roots=[root])
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "北京市商务局（正式证书）"


def test_production_certificate_per_authority(approved, settings, tmp_path, fresh_signing):
    code = approved.approved_revision.authority.code
    paths, root = foreign_files(tmp_path / "pki" / code)
    settings.PRODUCTION = True
    settings.SIGNING_CERT = str(tmp_path / "pki" / "{authority}" / "cert.pem")
    settings.SIGNING_KEY = str(tmp_path / "pki" / "{authority}" / "key.pem")
    settings.SIGNING_TRUST_ROOTS = str(paths["roots"])
    assert signing_configured() == []
    data = opened(approved).get(f"/print/{approved.pk}/front.pdf").content
    assert signature_status(data, roots=[root]).bottom_line


def test_production_check_refuses_a_key_of_another_certificate(settings, tmp_path):
    paths, _root = foreign_files(tmp_path / "one")
    other, _other_root = foreign_files(tmp_path / "two")
    settings.PRODUCTION = True
    settings.SIGNING_CERT, settings.SIGNING_KEY = str(paths["cert"]), str(other["key"])
    settings.SIGNING_CHAIN = str(paths["chain"])
    assert [error.id for error in signing_configured()] == ["tradereg.E031"]
    settings.SIGNING_KEY = str(tmp_path / "absent.pem")
    assert [error.id for error in signing_configured()] == ["tradereg.E031"]


def test_production_check_wants_a_root_to_trust(settings, tmp_path):
    paths, _root = foreign_files(tmp_path / "pki")
    settings.PRODUCTION = True
    settings.SIGNING_CERT, settings.SIGNING_KEY = str(paths["cert"]), str(paths["key"])
    settings.SIGNING_CHAIN = settings.SIGNING_TRUST_ROOTS = ""
    assert [error.id for error in signing_configured()] == ["tradereg.E033"]


def test_embedded_mode_needs_no_signing_settings(settings):
    settings.PRODUCTION = False
    settings.SIGNING_CERT = settings.SIGNING_KEY = ""
    assert signing_configured() == []
