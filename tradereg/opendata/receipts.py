"""Signed receipts of batch verification (Ed25519, decision 0026; keys kept as 0025's).

A receipt says "this register answered these rows to that upload at this time":
``request_sha256`` (of the uploaded bytes), ``result_sha256`` (of the canonical JSON of
the rows), ``count``, ``issued_at`` (UTC) and ``key_id``, signed over its canonical
bytes. Canonical JSON is ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False).encode()``, so anyone can recompute both hashes and check the
signature with the public key from ``GET /api/v1/keys`` (docs/api.md).

Where the key comes from, as for the PAdES keys (printing.signing):

- embedded mode: ``DATA_DIR/signing/receipt-ed25519.pem``, created on first use (0600,
  in a 0700 directory), never a row, so no database dump carries it.
- production: ``RECEIPT_SIGNING_KEY``, the path of a PEM Ed25519 private key; the
  system check E034 refuses to start without one that loads.

Rotation keeps old receipts checkable: public keys in ``RECEIPT_PREVIOUS_PUBLIC_KEYS``
(PEM paths) and in ``DATA_DIR/signing/receipt-previous/`` stay listed at /api/v1/keys.
The key is read from its file on each use (a few microseconds), so a rotated key takes
effect without a restart.
"""

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_NAME = "receipt-ed25519.pem"
PREVIOUS_DIR = "receipt-previous"


def canonical(value: Any) -> bytes:
    """The bytes that are hashed and signed: one spelling for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 of the raw 32-byte public key."""
    return sha256_hex(_raw(public_key))[:16]


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: Ed25519PublicKey
    current: bool

    def jwk(self) -> dict[str, Any]:
        """RFC 8037's OKP form, with the PEM beside it for tools that want that."""
        raw = base64.urlsafe_b64encode(_raw(self.key)).rstrip(b"=").decode()
        pem = self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        return {
            "kid": self.kid,
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "x": raw,
            "pem": pem,
            "current": self.current,
        }


def signing_dir() -> Path:
    return Path(settings.DATA_DIR) / "signing"


def _private_read(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path}: the receipt key must be an Ed25519 private key")
    return key


def _embedded_key() -> Ed25519PrivateKey:
    """The embedded mode's key, created once; two processes starting together agree on
    one file (a hard link cannot replace an existing name)."""
    directory = signing_dir()
    path = directory / KEY_NAME
    if path.exists():
        return _private_read(path)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    partial = directory / f".{KEY_NAME}.{os.getpid()}.tmp"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return _private_read(path)


def signing_key() -> Ed25519PrivateKey:
    """The key that signs new receipts: RECEIPT_SIGNING_KEY, else (not in production)
    the embedded one."""
    if settings.RECEIPT_SIGNING_KEY:
        return _private_read(Path(settings.RECEIPT_SIGNING_KEY))
    if settings.PRODUCTION:
        raise ImproperlyConfigured("TRADEREG_ENV=production needs RECEIPT_SIGNING_KEY")
    return _embedded_key()


def _public_read(path: Path) -> Ed25519PublicKey:
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return _private_read(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ImproperlyConfigured(f"{path}: a previous receipt key must be Ed25519")
    return key


def _previous_paths() -> list[Path]:
    paths = [Path(value) for value in settings.RECEIPT_PREVIOUS_PUBLIC_KEYS]
    folder = signing_dir() / PREVIOUS_DIR
    if folder.is_dir():
        paths += sorted(folder.glob("*.pem"))
    return paths


def public_keys() -> list[PublicKey]:
    """The current key first, then every previous one (each kid once)."""
    current = signing_key().public_key()
    keys = [PublicKey(kid=key_id(current), key=current, current=True)]
    seen = {keys[0].kid}
    for path in _previous_paths():
        key = _public_read(path)
        kid = key_id(key)
        if kid not in seen:
            seen.add(kid)
            keys.append(PublicKey(kid=kid, key=key, current=False))
    return keys


def receipt_key_rotate() -> str:
    """Embedded mode: keep the current public key in ``receipt-previous/`` and start a
    new private key; returns the new key id. Production rotates by configuration
    (a new RECEIPT_SIGNING_KEY, the old public key in RECEIPT_PREVIOUS_PUBLIC_KEYS)."""
    if settings.RECEIPT_SIGNING_KEY or settings.PRODUCTION:
        raise ImproperlyConfigured("rotate RECEIPT_SIGNING_KEY by configuration")
    old = _embedded_key().public_key()
    folder = signing_dir() / PREVIOUS_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / f"{key_id(old)}.pem").write_bytes(
        old.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (signing_dir() / KEY_NAME).unlink()
    return key_id(_embedded_key().public_key())


def receipt_issue(*, request_bytes: bytes, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The signed receipt of one answer; writes nothing but, on first use in embedded
    mode, the key file."""
    key = signing_key()
    receipt: dict[str, Any] = {
        "request_sha256": sha256_hex(request_bytes),
        "result_sha256": sha256_hex(canonical(rows)),
        "count": len(rows),
        "issued_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "key_id": key_id(key.public_key()),
    }
    signature = key.sign(canonical(receipt))
    return {**receipt, "signature": base64.b64encode(signature).decode()}
