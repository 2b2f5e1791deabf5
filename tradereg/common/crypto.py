"""Field encryption for personal data at rest (PIPL sensitive information: ID numbers).

Values are sealed with AES-256-GCM, an authenticated cipher: a changed byte in the
database is refused, not decrypted into a wrong number. Each stored value names the key
that sealed it (``enc1$<key id>$<base64 nonce+ciphertext>``), so a key ring of the current
key and the ones being retired can read every row while ``rotate_field_key`` re-encrypts.

Searching cannot use the ciphertext (a fresh nonce each time), so a column beside it holds
a keyed blind index: an HMAC of the normalised value under a key derived from the
encryption key. Without the key neither the number nor a guess at it can be checked.

Keys come from ``FIELD_ENCRYPTION_KEY`` (and ``FIELD_ENCRYPTION_OLD_KEYS``) in production;
the embedded mode generates one into the data directory. The key file is re-read when it
changes, so a rotation reaches running processes without a restart.
"""

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
NONCE_BYTES = 12
INDEX_HEX = 32  # 128 bits of the HMAC: ample against collisions, half the column


class DecryptionFailed(Exception):
    """The stored value was not sealed by a key of the ring, or was altered."""


@dataclass(frozen=True)
class Key:
    secret: bytes

    @property
    def kid(self) -> str:
        return hashlib.sha256(b"tradereg key id" + self.secret).hexdigest()[:8]

    @property
    def index_secret(self) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"tradereg blind index"
        ).derive(self.secret)


def key_generate() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _decode_key(text: str) -> Key:
    try:
        secret = base64.urlsafe_b64decode(text.strip().encode())
    except ValueError as exc:
        raise ImproperlyConfigured("A field encryption key is not valid base64.") from exc
    if len(secret) != 32:
        raise ImproperlyConfigured("A field encryption key must be 32 bytes (base64).")
    return Key(secret)


def key_file_path() -> Path:
    return Path(settings.FIELD_ENCRYPTION_KEY_FILE)


def key_file_write(keys: list[str]) -> None:
    """Replace the key file atomically: the current key first, then the ones still read."""
    path = key_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(temporary, path)


def _key_file_create() -> None:
    """Generate the embedded installation's key once, even with several processes racing."""
    path = key_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(key_generate() + "\n")


class KeyRing:
    """The current key (seals) and every key still accepted (opens)."""

    def __init__(self, keys: list[Key]):
        if not keys:
            raise ImproperlyConfigured("No field encryption key is configured.")
        self.current = keys[0]
        self.by_kid = {key.kid: key for key in keys}
        self.keys = keys

    def seal(self, plain: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.current.secret).encrypt(nonce, plain.encode(), context.encode())
        payload = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{PREFIX}${self.current.kid}${payload}"

    def open(self, stored: str, context: str) -> str:
        try:
            prefix, kid, payload = stored.split("$", 2)
            key = self.by_kid[kid]
            raw = base64.urlsafe_b64decode(payload.encode())
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            if prefix != PREFIX:
                raise ValueError(prefix)
            return AESGCM(key.secret).decrypt(nonce, sealed, context.encode()).decode()
        except (ValueError, KeyError, TypeError, InvalidTag) as exc:
            raise DecryptionFailed(context) from exc

    def kid_of(self, stored: str) -> str:
        return stored.split("$", 2)[1] if stored.startswith(PREFIX + "$") else ""

    def index(self, plain: str, key: Key | None = None) -> str:
        key = key or self.current
        digest = hmac.new(key.index_secret, normalise(plain).encode(), hashlib.sha256)
        return digest.hexdigest()[:INDEX_HEX]

    def indexes(self, plain: str) -> list[str]:
        """The value's index under every key of the ring: lookups during a rotation."""
        return [self.index(plain, key) for key in self.keys]


def normalise(plain: str) -> str:
    return "".join(plain.split()).upper()


_cache: dict[str, object] = {}


def keyring() -> KeyRing:
    """The ring from the settings, or from the key file (re-read when it changes)."""
    if settings.FIELD_ENCRYPTION_KEY:
        configured = (settings.FIELD_ENCRYPTION_KEY, *settings.FIELD_ENCRYPTION_OLD_KEYS)
        if _cache.get("configured") != configured:
            _cache.update(
                configured=configured,
                ring=KeyRing([_decode_key(text) for text in configured if text]),
                stamp=None,
            )
        return _cache["ring"]  # type: ignore[return-value]
    path = key_file_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        if settings.PRODUCTION:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY must be set when TRADEREG_ENV=production."
            ) from None
        _key_file_create()
        stat = path.stat()
    stamp = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if _cache.get("stamp") != stamp:
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        _cache.update(ring=KeyRing([_decode_key(line) for line in lines]), stamp=stamp)
        _cache.pop("configured", None)
    return _cache["ring"]  # type: ignore[return-value]
