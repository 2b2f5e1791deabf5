"""The approved form signed by its filing authority: PAdES B-B with pyHanko (decision 0025).

Where the keys come from:

- embedded mode: a certificate authority of this installation, created on first use in
  ``DATA_DIR/signing/`` with ``cryptography`` — a root, and one certificate per
  authority (CN = the authority's name, serialNumber = its 机关代码) issued by it. Keys
  and certificates are files with 0600 permissions in a 0700 directory, never rows, so
  no database dump carries them.
- production: ``SIGNING_CERT`` and ``SIGNING_KEY`` (PEM; ``{authority}`` in either path
  is replaced by the 机关代码, else one certificate signs for every authority),
  ``SIGNING_CHAIN`` (intermediates to embed) and ``SIGNING_TRUST_ROOTS`` (what /verify/
  trusts; by default the self-signed certificates of the chain).

Each signature certifies the document (DocMDP: no changes allowed), so anything appended
later breaks it, and carries the signing time (/M). An identity is loaded once per
process: restart after rotating certificates.
"""

import contextlib
import datetime as dt
import fcntl
import io
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko_certvalidator.registry import SimpleCertificateStore

SIGNATURE_FIELD = "AuthoritySignature"
ROOT_YEARS = 20
AUTHORITY_YEARS = 5
RENEW_BEFORE = dt.timedelta(days=365)  # an authority certificate this close to expiry is renewed
PLACEHOLDER = "{authority}"
# The reason shown in every PDF reader's signature panel; /verify/ reads the code back.
REASON_RE = re.compile(r"核验码\s*([0-9A-Z]{5})-?([0-9A-Z]{5})")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class _LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its key again on every signature (~90 ms for RSA
    with cryptography's key checks, twice per PDF); this one signs with the loaded key."""

    def __init__(self, *, private_key: PrivateKey, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class Identity:
    """Who signs the forms of one authority: its certificate, key and chain."""

    certificate: x509.Certificate
    signer: signers.SimpleSigner
    chain_bytes: int

    @property
    def fingerprint(self) -> str:
        """Short SHA-256 of the certificate: kept PDFs name the certificate that signed them."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()[:16]


# --- certificates -------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def certificate_authority_new(*, common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new self-signed root (RSA 3072, ``ROOT_YEARS``) that may issue signing certificates."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def certificate_issue(
    *,
    ca_key: PrivateKey,
    ca_certificate: x509.Certificate,
    common_name: str,
    serial_number: str,
    days: int = 365 * AUTHORITY_YEARS,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A signing certificate (RSA 2048) for one authority, issued by ``ca_certificate``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = _now()
    ca_key_id = ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number),
                ]
            )
        )
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id.value),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def pem_write(path: Path, *items: PrivateKey | x509.Certificate) -> None:
    """Write keys and certificates as PEM, readable by this user only, replacing atomically."""
    data = b"".join(
        item.public_bytes(serialization.Encoding.PEM)
        if isinstance(item, x509.Certificate)
        else item.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        for item in items
    )
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


def _key_read(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(f"{path}: only RSA and EC signing keys are supported")
    return key


def _public_der(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def certificates_read(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


# --- the embedded certificate authority ---------------------------------------------------


def signing_dir() -> Path:
    return Path(settings.DATA_DIR) / "signing"


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One process at a time creates keys (web and worker may start together)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _root_name() -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    return f"对外贸易经营者备案登记系统 根证书 {host}"


def _embedded_root() -> tuple[PrivateKey, x509.Certificate]:
    """The root of this installation, created on first use (call with the lock held)."""
    directory = signing_dir()
    key_path, cert_path = directory / "root-key.pem", directory / "root-cert.pem"
    if not cert_path.exists():
        key, certificate = certificate_authority_new(common_name=_root_name())
        pem_write(key_path, key)
        pem_write(cert_path, certificate)
    return _key_read(key_path), certificates_read(cert_path)[0]


def embedded_root_certificate() -> x509.Certificate:
    """The root /verify/ trusts in the embedded mode (created if it does not exist yet)."""
    cert_path = signing_dir() / "root-cert.pem"
    if not cert_path.exists():
        with _locked(signing_dir()):
            _embedded_root()
    return certificates_read(cert_path)[0]


def _embedded_identity(*, authority_code: str, authority_name: str) -> Identity:
    """The authority's certificate from this installation's root; issued on first use, and
    again when the authority's name has changed or the certificate nears its end."""
    directory = signing_dir()
    authorities = directory / "authorities"
    key_path = authorities / f"{authority_code}-key.pem"
    cert_path = authorities / f"{authority_code}-cert.pem"
    with _locked(directory):
        ca_key, root = _embedded_root()
        current = certificates_read(cert_path)[0] if cert_path.exists() else None
        if (
            current is None
            or _common_name(current) != authority_name
            or current.not_valid_after_utc - _now() < RENEW_BEFORE
        ):
            authorities.mkdir(mode=0o700, exist_ok=True)
            key, current = certificate_issue(
                ca_key=ca_key,
                ca_certificate=root,
                common_name=authority_name,
                serial_number=authority_code,
            )
            pem_write(key_path, key)
            pem_write(cert_path, current)
        return _identity(certificate=current, key=_key_read(key_path), chain=[root])


# --- production: configured certificates --------------------------------------------------


def _configured_path(value: str, authority_code: str) -> Path:
    return Path(value.replace(PLACEHOLDER, authority_code))


def configured_identity(*, authority_code: str) -> Identity:
    """The certificate configured for ``authority_code`` (SIGNING_CERT, SIGNING_KEY)."""
    if not (settings.SIGNING_CERT and settings.SIGNING_KEY):
        raise ImproperlyConfigured(
            "TRADEREG_ENV=production signs approved forms only with SIGNING_CERT and "
            "SIGNING_KEY set (docs/signatures.md)."
        )
    cert_path = _configured_path(settings.SIGNING_CERT, authority_code)
    key_path = _configured_path(settings.SIGNING_KEY, authority_code)
    chain = certificates_read(Path(settings.SIGNING_CHAIN)) if settings.SIGNING_CHAIN else []
    certificate = certificates_read(cert_path)[0]
    key = _key_read(key_path)
    if _public_der(key.public_key()) != _public_der(certificate.public_key()):
        raise ImproperlyConfigured(f"{key_path} is not the key of {cert_path}")
    return _identity(certificate=certificate, key=key, chain=chain)


def trust_roots() -> list[x509.Certificate]:
    """What /verify/ trusts: this installation's root in the embedded mode; in production
    SIGNING_TRUST_ROOTS, else the self-signed certificates of SIGNING_CHAIN and SIGNING_CERT.
    """
    if not settings.SIGNING_CERT:
        if settings.PRODUCTION:
            return []
        return [embedded_root_certificate()]
    if settings.SIGNING_TRUST_ROOTS:
        return certificates_read(Path(settings.SIGNING_TRUST_ROOTS))
    candidates = certificates_read(Path(settings.SIGNING_CHAIN)) if settings.SIGNING_CHAIN else []
    if PLACEHOLDER not in settings.SIGNING_CERT:
        candidates += certificates_read(Path(settings.SIGNING_CERT))
    return [item for item in candidates if item.issuer == item.subject]


# --- signing --------------------------------------------------------------------------------


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _identity(
    *, certificate: x509.Certificate, key: PrivateKey, chain: list[x509.Certificate]
) -> Identity:
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    others = [_asn1_certificate(item) for item in chain]
    signer = _LoadedKeySigner(
        private_key=key,
        signing_cert=_asn1_certificate(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs(others),
    )
    size = sum(len(item.dump()) for item in [signer.signing_cert, *others])
    return Identity(certificate=certificate, signer=signer, chain_bytes=size)


_identities: dict[tuple[str, str], Identity] = {}
_identities_lock = threading.Lock()


def identity_for(*, authority_code: str, authority_name: str) -> Identity:
    """The signing identity of an authority, loaded once per process."""
    key = (authority_code, authority_name)
    with _identities_lock:
        found = _identities.get(key)
        if found is None:
            if settings.SIGNING_CERT or settings.PRODUCTION:
                found = configured_identity(authority_code=authority_code)
            else:
                found = _embedded_identity(
                    authority_code=authority_code, authority_name=authority_name
                )
            _identities[key] = found
        return found


def identities_forget() -> None:
    """Drop the loaded identities (after the settings or the files have changed)."""
    with _identities_lock:
        _identities.clear()


def _even(size: int) -> int:
    return size + size % 2


def reason_for(*, form_no: str, code_display: str) -> str:
    return f"备案登记表编号 {form_no}，核验码 {code_display}"


def pdf_sign(*, data: bytes, identity: Identity, reason: str) -> bytes:
    """``data`` with a certifying PAdES signature over the whole file appended.

    No timestamp server is configured, so this is PAdES B-B: the time is the signer's
    (/M). The space for the signature is reserved from the certificates' size rather than
    by a trial signature.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        reason=reason,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    output = io.BytesIO()
    signers.sign_pdf(
        writer,
        meta,
        signer=identity.signer,
        bytes_reserved=_even(identity.chain_bytes + 4096),
        output=output,
    )
    return output.getvalue()
