"""authority_scope: which authorities' filings a member of staff may see."""

import pytest

from tradereg.accounts.models import User
from tradereg.accounts.selectors import authority_scope
from tradereg.authorities.models import Authority

pytestmark = pytest.mark.usefixtures("reference_data")


def _user(role, code=None):
    authority = Authority.objects.get(code=code) if code else None
    return User(username=f"u-{role}-{code}", role=role, authority=authority)


def _codes(user):
    return set(authority_scope(user=user).values_list("code", flat=True))


@pytest.fixture
def yiwu(db):
    """An entrusted county-level authority under a prefecture (made in the admin)."""
    return Authority.objects.create(
        code="330782",
        name="义乌市商务局",
        region_id="330782",
        parent=Authority.objects.get(code="330700"),
        pinyin_initials="yw ywsswj",
    )


def test_officer_sees_only_their_authority(yiwu):
    assert _codes(_user(User.Role.OFFICER, "440300")) == {"440300"}
    assert _codes(_user(User.Role.OFFICER, "330782")) == {"330782"}


def test_provincial_supervisor_sees_every_authority_below_transitively(yiwu):
    codes = _codes(_user(User.Role.SUPERVISOR, "330000"))
    assert {"330000", "330700", "330782"} <= codes
    assert len(codes) == 1 + 11 + 1
    assert all(code.startswith("33") for code in codes)


def test_prefecture_supervisor_sees_its_counties(yiwu):
    assert _codes(_user(User.Role.SUPERVISOR, "330700")) == {"330700", "330782"}


def test_supervisor_sees_direct_county_level_cities():
    codes = _codes(_user(User.Role.SUPERVISOR, "420000"))
    assert {"429004", "429005", "429006", "429021"} <= codes
    assert len(codes) == 1 + 13 + 4
    assert len(_codes(_user(User.Role.SUPERVISOR, "460000"))) == 1 + 4 + 15


def test_xpcc_cities_belong_to_the_xpcc_not_to_xinjiang():
    xpcc = _codes(_user(User.Role.SUPERVISOR, "660000"))
    assert xpcc == {"660000", *(f"6590{n:02d}" for n in range(1, 13))}
    xinjiang = _codes(_user(User.Role.SUPERVISOR, "650000"))
    assert xinjiang.isdisjoint(xpcc)
    assert len(xinjiang) == 1 + 14


def test_supervisor_does_not_see_other_provinces(yiwu):
    codes = _codes(_user(User.Role.SUPERVISOR, "440000"))
    assert "440300" in codes
    assert "330782" not in codes
    assert len(codes) == 22


def test_scope_survives_a_cycle():
    a = Authority.objects.get(code="440300")
    b = Authority.objects.get(code="440100")
    Authority.objects.filter(pk=a.pk).update(parent=b)
    Authority.objects.filter(pk=b.pk).update(parent=a)
    assert _codes(_user(User.Role.SUPERVISOR, "440300")) == {"440300", "440100"}


def test_admin_sees_all_and_enterprise_none():
    assert authority_scope(user=_user(User.Role.SYSTEM_ADMIN)).count() == Authority.objects.count()
    assert not authority_scope(user=_user(User.Role.ENTERPRISE)).exists()


def test_scope_is_usable_as_a_subquery(yiwu):
    scope = authority_scope(user=_user(User.Role.SUPERVISOR, "330000"))
    assert Authority.objects.filter(pk__in=scope, region__level="county").get() == yiwu
