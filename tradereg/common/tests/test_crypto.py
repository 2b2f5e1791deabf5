"""Field encryption: sealed values open only with the ring's keys and only in their column."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from tradereg.common import crypto
from tradereg.common.codes import mask_document_number
from tradereg.common.crypto import DecryptionFailed, Key, KeyRing, key_generate

CONTEXT = "filings.FilingRevision.id_number"


def ring(*texts: str) -> KeyRing:
    return KeyRing([crypto._decode_key(text) for text in texts])


def test_a_sealed_value_opens_to_itself_and_never_shows_the_plain_text():
    keys = ring(key_generate())
    sealed = keys.seal("110101199003071234", CONTEXT)
    assert "110101199003071234" not in sealed
    assert sealed.startswith(f"enc1${keys.current.kid}$")
    assert keys.open(sealed, CONTEXT) == "110101199003071234"
    assert keys.seal("110101199003071234", CONTEXT) != sealed  # a fresh nonce each time


def test_an_altered_byte_or_another_column_or_another_key_is_refused():
    keys = ring(key_generate())
    sealed = keys.seal("110101199003071234", CONTEXT)
    payload = sealed.rsplit("$", 1)[1]
    middle = len(payload) // 2  # a character whose bits all count (not the padded end)
    flipped = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1 :]
    with pytest.raises(DecryptionFailed):
        keys.open(sealed.rsplit("$", 1)[0] + "$" + flipped, CONTEXT)
    with pytest.raises(DecryptionFailed):
        keys.open(sealed, "accounts.User.email")
    with pytest.raises(DecryptionFailed):
        ring(key_generate()).open(sealed, CONTEXT)


def test_a_ring_with_the_old_key_opens_what_the_old_key_sealed():
    old, new = key_generate(), key_generate()
    sealed = ring(old).seal("G12345678", CONTEXT)
    rotating = ring(new, old)
    assert rotating.open(sealed, CONTEXT) == "G12345678"
    assert rotating.kid_of(rotating.seal("G12345678", CONTEXT)) == rotating.current.kid
    assert ring(old).index("G12345678") in rotating.indexes("G12345678")


def test_the_blind_index_ignores_case_and_spaces_and_depends_on_the_key():
    keys = ring(key_generate())
    assert keys.index("11010119900307123x") == keys.index(" 11010119900307123X ")
    assert keys.index("110101199003071234") != keys.index("110101199003071235")
    assert ring(key_generate()).index("110101199003071234") != keys.index("110101199003071234")


def test_a_key_must_be_32_bytes_of_base64():
    with pytest.raises(ImproperlyConfigured):
        crypto._decode_key("c2hvcnQ=")
    assert isinstance(crypto._decode_key(key_generate()), Key)


def test_the_key_file_is_generated_once_and_reread_when_rotated(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.FIELD_ENCRYPTION_KEY_FILE = tmp_path / "field_encryption_key"
    first = crypto.keyring()
    assert (tmp_path / "field_encryption_key").stat().st_mode & 0o777 == 0o600
    assert crypto.keyring().current == first.current
    new = key_generate()
    crypto.key_file_write([new, (tmp_path / "field_encryption_key").read_text().strip()])
    assert crypto.keyring().current == crypto._decode_key(new)
    assert len(crypto.keyring().keys) == 2


def test_production_without_a_key_refuses(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY_FILE = tmp_path / "absent"
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        crypto.keyring()


@given(st.text(alphabet="0123456789ABCDEFGHJKX", min_size=1, max_size=32))
def test_masking_hides_at_least_two_thirds_of_any_number(value):
    masked = mask_document_number(value)
    assert len(masked) == len(value)
    hidden = sum(1 for a, b in zip(value, masked, strict=True) if b == "*" and a != "*")
    assert hidden >= 2 * len(value) / 3
    kept = [(i, c) for i, c in enumerate(masked) if c != "*"]
    assert all(value[i] == c for i, c in kept)
