"""The duplicate list on the review page tells an officer only what they may know.

The filing under review is addressed to 深圳市商务局 (440300); the others share its
Chinese name, which is how the list finds them here. Another authority's filing shows
what the public registry shows, or only that it exists; a draft elsewhere is its owner's.
"""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services
from tradereg.filings.models import Filing, Status
from tradereg.filings.tests.factories import (
    PASSWORD,
    authority,
    filing_data,
    make_filing,
    make_officer,
    same_operator,
)
from tradereg.office import selectors

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
CODE = "440300"  # 深圳市商务局
ELSEWHERE = "310000"  # 上海市商务委员会
NAME = "深圳重名贸易有限公司"
BARE_NOTICE = "其他备案登记机关另有一件使用相同代码或名称、尚未办结的备案。"


@pytest.fixture
def sz():
    return make_officer(code=CODE, username="sz-dup")


@pytest.fixture
def under_review() -> Filing:
    return make_filing(status=Status.REPORTED, code=CODE, name_cn=NAME)


def review_page(officer, filing: Filing) -> str:
    """The page's text, tags removed (links to the review page are kept in ``href``)."""
    client = Client()
    login_verified(client, officer)
    response = client.get(reverse("office:review", args=[filing.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    return unescape(re.sub(r"<(?!a )[^>]+>", "", page))


def test_a_draft_of_another_authority_is_never_shown(sz, under_review):
    draft = make_filing(status=Status.DRAFT, code=ELSEWHERE, name_cn=NAME, name_en="Secret Draft")
    body = review_page(sz, under_review)
    assert draft.system_no not in body
    assert "上海市商务委员会" not in body
    assert "重复备案提示" not in body
    assert not selectors.duplicates_for(user=sz, filing=under_review)


def test_an_approved_filing_elsewhere_shows_its_published_name_and_authority(sz, under_review):
    approved = make_filing(status=Status.APPROVED, code=ELSEWHERE, name_cn=NAME)
    body = review_page(sz, under_review)
    assert "重复备案提示" in body
    assert f"{NAME} · 上海市商务委员会 · 已备案" in body
    assert approved.system_no not in body
    assert BARE_NOTICE not in body


def test_a_pending_change_elsewhere_shows_the_published_copy_not_the_change(sz, under_review):
    """The change takes the name under review; the page still says what is public."""
    other = make_filing(status=Status.APPROVED, code=ELSEWHERE, name_cn="上海旧名贸易有限公司")
    services.filing_save(
        filing=other,
        acting_user=other.owner,
        authority=other.authority,
        data=filing_data(name_cn=NAME, **same_operator(other)),
    )
    body = review_page(sz, under_review)
    assert "上海旧名贸易有限公司 · 上海市商务委员会 · 已备案" in body
    assert other.system_no not in body


def test_a_reported_filing_elsewhere_shows_only_the_bare_notice(sz, under_review):
    reported = make_filing(status=Status.REPORTED, code=ELSEWHERE, name_cn=NAME)
    body = review_page(sz, under_review)
    assert "重复备案提示" in body
    assert BARE_NOTICE in body
    assert reported.system_no not in body
    assert "上海市商务委员会" not in body
    assert "以下备案使用相同的代码或名称" not in body
    found = selectors.duplicates_for(user=sz, filing=under_review)
    assert (found.shown, found.open_elsewhere) == ([], 1)


def test_a_returned_filing_elsewhere_is_counted_without_its_data(sz, under_review):
    returned = make_filing(status=Status.RETURNED, code=ELSEWHERE, name_cn=NAME)
    make_filing(status=Status.REPORTED, code=ELSEWHERE, name_cn=NAME)
    body = review_page(sz, under_review)
    assert "其他备案登记机关另有2件使用相同代码或名称、尚未办结的备案。" in body
    assert returned.system_no not in body


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REPORTED, Status.APPROVED])
def test_own_authority_filings_show_as_before(sz, under_review, status):
    own = make_filing(status=status, code=CODE, name_cn=NAME)
    body = review_page(sz, under_review)
    assert "重复备案提示" in body
    link = reverse("office:review", args=[own.pk])
    assert (
        f'<a href="{link}">{NAME} · 深圳市商务局 · {own.get_status_display()} · {own.system_no}'
        in body
    )
    assert BARE_NOTICE not in body


def test_a_supervisor_sees_the_authorities_below_as_their_own(under_review):
    """广东省商务厅 may open 深圳's filings anyway, so it sees their data here too."""
    guangdong = staff_user_create(
        username="gd-dup",
        password=PASSWORD,
        role=User.Role.SUPERVISOR,
        authority=authority("440000"),
    )
    own = make_filing(status=Status.REPORTED, code=CODE, name_cn=NAME)
    found = selectors.duplicates_for(user=guangdong, filing=under_review)
    assert [d.system_no for d in found.shown] == [own.system_no]
    assert found.open_elsewhere == 0
