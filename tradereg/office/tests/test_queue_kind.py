"""The queue's 类型 is the kind a filing had when it was reported, not what it is now.

A new filing stays 新备案 in the lists after it is approved; a report of a change is 变更,
and the 办理记录 keeps each report's kind (上报, then 上报（变更）).
"""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from tradereg.accounts.tests.otp import login_verified
from tradereg.filings.models import Filing, Status
from tradereg.filings.selectors import filing_history
from tradereg.filings.tests.factories import make_change_reported, make_filing, make_officer

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
CODE = "440300"  # 深圳市商务局


@pytest.fixture
def sz():
    return make_officer(code=CODE, username="sz-kind")


@pytest.fixture
def office(sz) -> Client:
    client = Client()
    login_verified(client, sz)
    return client


def queue_kind(office: Client, filing: Filing, status: str) -> str:
    """The 类型 cell of the filing's row in the queue listed with ``status``."""
    body = unescape(office.get(reverse("office:queue"), {"status": status}).content.decode())
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        if filing.system_no in row:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            return re.sub(r"<[^>]+>", "", cells[2]).strip()
    raise AssertionError(f"{filing.system_no} not in the queue listed with status={status!r}")


def review_kind(office: Client, filing: Filing) -> str:
    body = unescape(office.get(reverse("office:review", args=[filing.pk])).content.decode())
    return re.search(r"<dt>类型</dt><dd>(.*?)</dd>", body).group(1)


def report_labels(filing: Filing) -> list[str]:
    """The 上报 steps of the 办理记录, oldest first."""
    history = filing_history(filing=filing, audience="staff")
    return [e["label"] for e in reversed(history) if e["label"].startswith("上报")]


def test_an_approved_new_filing_stays_new_in_the_queue(office, sz):
    filing = make_filing(status=Status.APPROVED, code=CODE, officer=sz)
    assert queue_kind(office, filing, Status.APPROVED) == "新备案"
    assert queue_kind(office, filing, "") == "新备案"
    assert review_kind(office, filing) == "新备案"
    assert report_labels(filing) == ["上报"]


def test_the_new_filing_filter_still_finds_it_once_approved(office, sz):
    filing = make_filing(status=Status.APPROVED, code=CODE, officer=sz)
    body = office.get(reverse("office:queue"), {"status": "", "kind": "new"}).content.decode()
    assert filing.system_no in body
    body = office.get(reverse("office:queue"), {"status": "", "kind": "change"}).content.decode()
    assert filing.system_no not in body


def test_a_reported_change_is_a_change_and_its_history_keeps_both_kinds(office, sz):
    change = make_change_reported(code=CODE, officer=sz)
    assert queue_kind(office, change, Status.REPORTED) == "变更"
    assert queue_kind(office, change, "") == "变更"
    assert report_labels(change) == ["上报", "上报（变更）"]

    assert review_kind(office, change) == "变更"
    body = unescape(office.get(reverse("office:review", args=[change.pk])).content.decode())
    assert body.index("上报（变更）") < body.rindex(">上报<")  # newest first
