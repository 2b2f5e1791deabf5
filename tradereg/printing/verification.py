"""Reading the signature of an uploaded form PDF (/verify/): intact, by whom, when, and
which registry entry it names. The bytes are parsed in memory and never stored.

A signature counts as intact only when it covers the whole file as uploaded: the form is
certified with no changes allowed, so any update appended after signing — even one a
reader would call harmless — is reported as a modification.
"""

import io
import logging
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from tradereg.printing import signing

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature of an uploaded PDF says (only built for an intact, trusted one)."""

    signer: str  # the CN of the signing certificate: the filing authority's name
    signed_at: datetime | None
    code: str  # the verification code named in the signature's reason ("" if none)
    reason: str


def not_a_pdf() -> ValidationError:
    return ValidationError(
        _("文件不是有效的PDF，请上传本系统出具的登记表PDF文件。"), code="not_pdf"
    )


def _validation_context() -> ValidationContext:
    roots = [
        asn1_x509.Certificate.load(item.public_bytes(serialization.Encoding.DER))
        for item in signing.trust_roots()
    ]
    return ValidationContext(trust_roots=roots, allow_fetching=False)


def pdf_signature_check(data: bytes) -> SignatureCheck:
    """The signature of ``data``, or ValidationError with the reason in Chinese: not a
    PDF, no signature, altered after signing, or signed by a certificate we do not trust.
    """
    if not data.startswith(b"%PDF-"):
        raise not_a_pdf()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        logger.info("uploaded PDF does not parse: %s", error)
        raise not_a_pdf() from error
    if not signatures:
        raise ValidationError(
            _("该PDF没有数字签名：请上传从本系统打印或下载的已审核登记表PDF原件。"),
            code="unsigned",
        )
    signature = signatures[0]
    try:
        status = validate_pdf_signature(signature, _validation_context())
    except (PdfError, SigningError, ValueError, KeyError, TypeError) as error:
        logger.info("uploaded PDF signature does not validate: %s", error)
        raise altered() from error
    if not (
        status.intact
        and status.valid
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        and len(signatures) == 1
    ):
        raise altered()
    if not status.trusted:
        raise ValidationError(
            _("签名无效：签名证书不是本系统备案登记机关的证书，该文件不是本系统出具的登记表。"),
            code="untrusted",
        )
    reason = str(signature.sig_object.get("/Reason", ""))
    found = signing.REASON_RE.search(reason)
    subject = status.signing_cert.subject.native
    return SignatureCheck(
        signer=str(subject.get("common_name", status.signing_cert.subject.human_friendly)),
        signed_at=status.signer_reported_dt,
        code=found.group(1) + found.group(2) if found else "",
        reason=reason,
    )


def altered() -> ValidationError:
    return ValidationError(
        _("签名无效或文件已被修改：该PDF在签名后已被修改，不能作为有效的登记表。"),
        code="altered",
    )
