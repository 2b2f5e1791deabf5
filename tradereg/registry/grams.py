"""Search keys and character bigrams for the public name search (decision 0005).

Pure functions without Django, shared by the publish service, the selectors, the
migrations, the benchmark and the tests, so every path agrees on what "contains" means.

A name's *search key* is its NFKC form, lower-cased, with whitespace runs collapsed to
one space: full-width ``ＴＣＬ`` finds ``TCL``, ``huaxing`` finds ``Huaxing``. The key of
an operator joins the Chinese and the English name with a line break, which no query key
contains, so a match never spans the two names.

A *gram* is a pair of adjacent characters of a key that are both letters or digits
(Chinese characters count as letters). Every gram of a query is a gram of each name that
contains the query, so the postings of any one of them hold all the matches.

A *signature* is 64 bits stored in every posting of an operator (decision 0023): bit
``crc32(t) % 32`` for every trigram ``t`` (three adjacent letters or digits) of the Chinese
name, the same plus 32 for the English name. Every trigram of a query is a trigram of a
name that contains it, so a posting whose signature lacks one of the query's bits in both
halves cannot match: the walk drops it inside the index, without reading the operator.
A signature of -1 (all bits) drops nothing, which keeps a posting written without one
correct.
"""

import re
import unicodedata
import zlib
from datetime import UTC, datetime, timedelta

__all__ = [
    "SEPARATOR", "UNKNOWN_SIGNATURE", "approved_us", "grams", "operator_key", "query_masks",
    "search_key", "signature",
]  # fmt: skip

SEPARATOR = "\n"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Two letters or digits, overlapping: ``[^\W_]`` is exactly ``str.isalnum()``.
_GRAM = re.compile(r"(?=([^\W_]{2}))")
_TRIGRAM = re.compile(r"(?=([^\W_]{3}))")
UNKNOWN_SIGNATURE = -1
_HALF = 32


def search_key(text: str) -> str:
    """The normalised form names and queries are compared in."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def operator_key(*, name_cn: str, name_en: str) -> str:
    """The stored key of one operator: both names, never matched across the break."""
    return f"{search_key(name_cn)}{SEPARATOR}{search_key(name_en)}"


def grams(key: str) -> set[str]:
    """The distinct bigrams of a key whose two characters are both letters or digits."""
    return set(_GRAM.findall(key))


def approved_us(moment: datetime) -> int:
    """Microseconds since the epoch, exactly: the postings' sort key (newest first)."""
    return (moment - _EPOCH) // _MICROSECOND


def _bits(text: str) -> int:
    """One bit of 32 per distinct trigram of ``text``."""
    bits = 0
    for trigram in set(_TRIGRAM.findall(text)):
        bits |= 1 << (zlib.crc32(trigram.encode()) % _HALF)
    return bits


def _signed(value: int) -> int:
    """The 64-bit pattern as a signed bigint, as both databases store it."""
    return value - (1 << 64) if value >= 1 << 63 else value


def signature(key: str) -> int:
    """The signature of an operator's stored key (Chinese low, English high half)."""
    name_cn, _separator, name_en = key.partition(SEPARATOR)
    return _signed(_bits(name_cn) | _bits(name_en) << _HALF)


def query_masks(key: str) -> tuple[int, int]:
    """The bits a matching signature has in its Chinese and in its English half; (0, 0)
    when the query has no trigram (every posting may match).
    """
    bits = _bits(key)
    return bits, _signed(bits << _HALF)
