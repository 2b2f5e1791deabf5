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
"""

import re
import unicodedata
from datetime import UTC, datetime, timedelta

__all__ = ["SEPARATOR", "approved_us", "grams", "operator_key", "search_key"]

SEPARATOR = "\n"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Two letters or digits, overlapping: ``[^\W_]`` is exactly ``str.isalnum()``.
_GRAM = re.compile(r"(?=([^\W_]{2}))")


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
