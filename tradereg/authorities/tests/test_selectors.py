"""Authority picker reads: search and browsing."""

import pytest

from tradereg.authorities.models import Authority
from tradereg.authorities.selectors import (
    authority_children,
    authority_provinces,
    authority_search,
)
from tradereg.authorities.services import authorities_load
from tradereg.regions.services import regions_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loaded(db):
    regions_load()
    authorities_load()


def _names(authorities):
    return [a.name for a in authorities]


def test_empty_query_finds_nothing():
    assert authority_search(query="") == []
    assert authority_search(query="   ") == []


def test_search_by_name_fragment():
    assert _names(authority_search(query="深圳")) == ["深圳市商务局"]
    assert "延边朝鲜族自治州商务局" in _names(authority_search(query="朝鲜族"))


def test_search_by_pinyin_initials():
    assert "深圳市商务局" in _names(authority_search(query="sz"))
    assert "深圳市商务局" in _names(authority_search(query="SZ"))
    full = authority_search(query="szsswj")
    assert "深圳市商务局" in _names(full)
    assert {"苏州市商务局", "朔州市商务局"} <= set(_names(full))
    assert all(" szsswj" in a.pinyin_initials for a in full)
    assert "北京市商务局" in _names(authority_search(query="bj"))


def test_search_by_region_code_prefix():
    assert _names(authority_search(query="4403")) == ["深圳市商务局"]
    found = authority_search(query="44")
    assert found[0].name == "广东省商务厅"
    assert len(found) == 22
    assert all(a.code.startswith("44") for a in found)


def test_search_lists_provinces_first_then_by_code():
    found = authority_search(query="广东")
    assert found[0].name == "广东省商务厅"
    names = _names(authority_search(query="商务", limit=400))
    assert names[:31] == _names(authority_provinces())
    codes = [a.code for a in authority_search(query="商务", limit=400)[31:]]
    assert codes == sorted(codes)


def test_search_respects_limit_and_active_flag():
    assert len(authority_search(query="市", limit=5)) == 5
    Authority.objects.filter(code="440300").update(is_active=False)
    assert authority_search(query="深圳") == []


def test_provinces():
    provinces = authority_provinces()
    assert provinces.count() == 31
    assert "广东省商务厅" in _names(provinces)
    assert "深圳市商务局" not in _names(provinces)


def test_children_of_a_province():
    guangdong = Authority.objects.get(name="广东省商务厅")
    children = _names(authority_children(parent=guangdong))
    assert "深圳市商务局" in children
    assert len(children) == 21


def test_municipality_has_no_children():
    beijing = Authority.objects.get(name="北京市商务局")
    assert not authority_children(parent=beijing).exists()
