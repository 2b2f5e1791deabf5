"""The officer's searches take a code as typed, as the public search does.

Codes come pasted from licences or typed with an IME: full-width digits and letters,
lower case, grouping spaces and hyphens. The review queue and 用户管理 clean them with
the one normaliser (``codes.normalize_code``).
"""

import random
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from tradereg.accounts.tests.otp import login_verified
from tradereg.common import codes
from tradereg.filings.models import Filing, Status
from tradereg.filings.tests.factories import make_filing, make_officer
from tradereg.office import selectors

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
CODE = "440300"  # 深圳市商务局


def full_width(text: str) -> str:
    """As an IME in full-width mode types it: ASCII to U+FF01–U+FF5E, space to U+3000."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


def uscc_with_a_letter() -> str:
    """A valid USCC with a letter in it, so lower case is put to the test."""
    rng = random.Random(11714)  # noqa: S311 - test data
    while True:
        uscc = codes.generate_uscc(rng, region_code="440300")
        if any(c.isalpha() for c in uscc):
            return uscc


@pytest.fixture
def sz():
    return make_officer(code=CODE, username="sz-search")


@pytest.fixture
def filing() -> Filing:
    uscc = uscc_with_a_letter()
    return make_filing(status=Status.REPORTED, code=CODE, uscc=uscc, registration_no=uscc)


def typed_forms(code: str) -> list[str]:
    """One code as officers type it."""
    grouped = f"{code[:6]} {code[6:12]}-{code[12:]}"
    return [
        full_width(code),
        full_width(code.lower()),
        full_width(grouped),
        f"  {grouped.lower()}  ",
        f"{code[:9]}－{full_width(code[9:])}",  # a full-width hyphen in the middle
    ]


def queue(user, query: str, status: str = Status.REPORTED) -> list[Filing]:
    filters = selectors.QueueFilters(status=status, query=query)
    return list(selectors.filing_queue(user=user, filters=filters))


def test_full_width_and_spaced_uscc_finds_the_filing_in_the_queue(sz, filing):
    uscc = filing.current_revision.uscc
    for typed in typed_forms(uscc):
        assert queue(sz, typed) == [filing], typed


def test_full_width_system_no_and_org_code_find_the_filing_in_the_queue(sz, filing):
    org_code = filing.current_revision.uscc[8:17]
    assert queue(sz, full_width(filing.system_no)) == [filing]
    assert queue(sz, full_width(f"{org_code[:8]}-{org_code[8]}".lower()), status="") == [filing]


def test_full_width_uscc_finds_the_enterprise_in_user_management(sz, filing):
    uscc = filing.current_revision.uscc
    for typed in typed_forms(uscc):
        assert selectors.enterprise_lookup(user=sz, query=typed) == [filing], typed
    assert selectors.enterprise_lookup(user=sz, query=full_width(filing.system_no)) == [filing]


def test_the_pages_accept_a_full_width_code(sz, filing):
    client = Client()
    login_verified(client, sz)
    typed = full_width(filing.current_revision.uscc.lower())
    body = unescape(
        client.get(reverse("office:queue"), {"status": "", "q": typed}).content.decode()
    )
    assert filing.system_no in body
    body = unescape(client.get(reverse("office:accounts"), {"q": typed}).content.decode())
    assert filing.owner.username in body


def test_a_name_is_searched_as_typed_not_as_a_code(sz, filing):
    """A name is not a code: its full-width brackets and spaces stay as they are."""
    name = filing.current_revision.name_cn
    assert queue(sz, name[:6]) == [filing]
    assert selectors.enterprise_lookup(user=sz, query=name[:6]) == [filing]
