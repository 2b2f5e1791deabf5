"""Helpers for the signature tests: read a signature with pyHanko, make foreign
certificates, tamper with a signed file."""

import io

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from tradereg.printing import signing


def signature_status(data: bytes, roots=None) -> PdfSignatureStatus:
    """pyHanko's own verdict on the only signature of ``data``, against ``roots``
    (default: the roots /verify/ trusts)."""
    trusted = [
        asn1_x509.Certificate.load(item.public_bytes(serialization.Encoding.DER))
        for item in (roots if roots is not None else signing.trust_roots())
    ]
    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=trusted, allow_fetching=False)
    return validate_pdf_signature(reader.embedded_signatures[0], context)


def content_replaced(data: bytes) -> bytes:
    """An incremental update appended after signing that gives the page other content."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (FORGED) Tj ET")
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def byte_flipped(data: bytes) -> bytes:
    """One byte of the first content stream changed, in place."""
    changed = bytearray(data)
    at = changed.index(b"stream", 200) + 40
    changed[at] ^= 0x01
    return bytes(changed)


def foreign_files(folder, *, common_name: str = "北京市商务局"):
    """A root and a signing certificate that are not this installation's, as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, root = signing.certificate_authority_new(common_name="别处的根证书")
    key, certificate = signing.certificate_issue(
        ca_key=ca_key, ca_certificate=root, common_name=common_name, serial_number="110000"
    )
    paths = {name: folder / f"{name}.pem" for name in ("cert", "key", "chain", "roots")}
    signing.pem_write(paths["cert"], certificate)
    signing.pem_write(paths["key"], key)
    signing.pem_write(paths["chain"], root)
    signing.pem_write(paths["roots"], root)
    return paths, root
