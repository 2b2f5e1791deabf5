"""Authority picker reads: search and browsing."""

import pytest

from tradereg.authorities.models import Authority
from tradereg.authorities.selectors import (
    authority_browse,
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
    assert names[:32] == _names(authority_provinces())
    codes = [a.code for a in authority_search(query="商务", limit=400)[32:]]
    assert codes == sorted(codes)


def test_search_respects_limit_and_active_flag():
    assert len(authority_search(query="市", limit=5)) == 5
    Authority.objects.filter(code="440300").update(is_active=False)
    assert authority_search(query="深圳") == []


def test_provinces():
    provinces = authority_provinces()
    assert provinces.count() == 32
    assert "广东省商务厅" in _names(provinces)
    assert "深圳市商务局" not in _names(provinces)
    assert _names(provinces)[-2:] == ["新疆维吾尔自治区商务厅", "新疆生产建设兵团商务局"]


def test_children_of_a_province():
    guangdong = Authority.objects.get(name="广东省商务厅")
    children = _names(authority_children(parent=guangdong))
    assert "深圳市商务局" in children
    assert len(children) == 21


def test_municipality_has_no_children():
    beijing = Authority.objects.get(name="北京市商务局")
    assert not authority_children(parent=beijing).exists()


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("仙桃", "仙桃市商务局"),
        ("xt", "仙桃市商务局"),
        ("4290", "仙桃市商务局"),
        ("济源", "济源市商务局"),
        ("jy", "济源市商务局"),
        ("4190", "济源市商务局"),
        ("神农架", "神农架林区商务局"),
        ("snj", "神农架林区商务局"),
        ("保亭", "保亭黎族苗族自治县商务局"),
        ("bt", "保亭黎族苗族自治县商务局"),
        ("4690", "五指山市商务局"),
        ("石河子", "石河子市商务局"),
        ("sh", "石河子市商务局"),
        ("6590", "石河子市商务局"),
        ("兵团", "新疆生产建设兵团商务局"),
        ("bt", "新疆生产建设兵团商务局"),
        ("66", "新疆生产建设兵团商务局"),
    ],
)
def test_search_finds_county_level_authorities(query, name):
    assert name in _names(authority_search(query=query))


def test_search_by_code_prefix_of_direct_counties():
    assert _names(authority_search(query="4290")) == [
        "仙桃市商务局",
        "潜江市商务局",
        "天门市商务局",
        "神农架林区商务局",
    ]
    assert len(authority_search(query="4690")) == 15
    assert authority_search(query="兵团")[0].code == "660000"


def test_search_for_a_district_finds_the_authority_serving_it():
    found = authority_search(query="南山区")
    # 深圳's and 鹤岗's 南山区; in code order.
    assert [(a.name, a.via) for a in found] == [
        ("鹤岗市商务局", "南山区"),
        ("深圳市商务局", "南山区"),
    ]
    assert [(a.name, a.via) for a in authority_search(query="440305")] == [
        ("深圳市商务局", "南山区")
    ]
    assert [(a.name, a.via) for a in authority_search(query="东城区")] == [
        ("北京市商务局", "东城区")
    ]
    assert [a.via for a in authority_search(query="深圳")] == [""]


def test_search_for_a_district_skips_an_inactive_authority():
    Authority.objects.filter(code="440300").update(is_active=False)
    assert [(a.name, a.via) for a in authority_search(query="440305")] == [
        ("广东省商务厅", "南山区")
    ]


def test_search_for_a_county_with_its_own_authority_finds_that_one():
    assert _names(authority_search(query="屯昌")) == ["屯昌县商务局"]


def test_children_of_a_province_include_its_direct_county_level_cities():
    hubei = Authority.objects.get(code="420000")
    children = authority_children(parent=hubei)
    assert {"仙桃市商务局", "潜江市商务局", "天门市商务局", "神农架林区商务局"} <= set(
        _names(children)
    )
    assert children.count() == 13 + 4
    hainan = Authority.objects.get(code="460000")
    assert authority_children(parent=hainan).count() == 4 + 15
    assert authority_children(parent=Authority.objects.get(code="410000")).count() == 17 + 1


def test_xpcc_cities_are_under_the_xpcc():
    xpcc = Authority.objects.get(code="660000")
    assert xpcc.parent is None
    assert [a.code for a in authority_children(parent=xpcc)] == [
        f"6590{n:02d}" for n in range(1, 13)
    ]
    xinjiang = Authority.objects.get(code="650000")
    assert not any(a.code.startswith("6590") for a in authority_children(parent=xinjiang))


def test_browse_lists_every_level_in_code_order():
    zhejiang = Authority.objects.get(code="330000")
    jinhua = Authority.objects.get(code="330700")
    yiwu = Authority.objects.create(
        code="330782",
        name="义乌市商务局",
        region_id="330782",
        parent=jinhua,
        pinyin_initials="yw ywsswj",
    )
    codes = [a.code for a in authority_browse(top=zhejiang)]
    assert codes[0] == "330000"
    assert codes == ["330000", *sorted(codes[1:])]
    assert codes.index("330782") == codes.index("330700") + 1
    assert len(codes) == 1 + 11 + 1
    yiwu.is_active = False
    yiwu.save()
    assert "330782" not in [a.code for a in authority_browse(top=zhejiang)]
