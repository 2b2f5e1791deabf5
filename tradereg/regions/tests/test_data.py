"""The committed reference data and its loader."""

import csv
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradereg.authorities.models import Authority
from tradereg.authorities.services import AUTHORITIES_CSV, authorities_load
from tradereg.regions.models import Region
from tradereg.regions.services import REGIONS_CSV, regions_load

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
XPCC = "660000"
REGION_COUNT = 32 + 333 + 2845
AUTHORITY_COUNT = 32 + 333 + 32

FORM_MD_AUTHORITIES = {
    "110000": "北京市商务局",
    "120000": "天津市商务局",
    "310000": "上海市商务委员会",
    "500000": "重庆市商务委员会",
    "440000": "广东省商务厅",
    "440300": "深圳市商务局",
    "222400": "延边朝鲜族自治州商务局",
    "652900": "阿克苏地区商务局",
    "152500": "锡林郭勒盟商务局",
}


def _rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def loaded(db):
    regions_load()
    authorities_load()


def test_region_file_counts():
    rows = _rows(REGIONS_CSV)
    levels = Counter(r["level"] for r in rows)
    assert levels == {"province": 32, "prefecture": 333, "county": 2845}
    provinces = [r for r in rows if r["level"] == "province" and r["code"] != XPCC]
    assert len(provinces) == 31
    prefecture_kinds = Counter(r["kind"] for r in rows if r["level"] == "prefecture")
    assert prefecture_kinds == {"地级市": 293, "地区": 7, "自治州": 30, "盟": 3}
    county_kinds = Counter(r["kind"] for r in rows if r["level"] == "county")
    assert county_kinds == {
        "市辖区": 976,
        "县": 1301,
        "县级市": 397,
        "自治县": 117,
        "旗": 49,
        "自治旗": 3,
        "特区": 1,
        "林区": 1,
    }
    direct = [r["code"] for r in rows if r["level"] == "county" and r["code"][2:4] == "90"]
    assert Counter(c[:2] for c in direct) == {"41": 1, "42": 4, "46": 15, "65": 12}
    assert {"台湾省", "香港特别行政区", "澳门特别行政区"}.isdisjoint(r["name"] for r in rows)


def test_xpcc_is_the_only_region_not_from_gb_t_2260():
    xpcc = [r for r in _rows(REGIONS_CSV) if r["kind"] == "兵团"]
    assert xpcc == [
        {
            "code": XPCC,
            "name": "新疆生产建设兵团",
            "level": "province",
            "kind": "兵团",
            "parent_code": "",
        }
    ]


def test_region_codes_match_their_level():
    rows = _rows(REGIONS_CSV)
    codes = {r["code"] for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        code, parent = r["code"], r["parent_code"]
        assert re.fullmatch(r"\d{6}", code), r
        if r["level"] == "province":
            assert re.fullmatch(r"\d{2}0000", code), r
            assert parent == ""
        elif r["level"] == "prefecture":
            assert re.fullmatch(r"\d{4}00", code), r
            assert code[2:4] not in {"00", "90"}, r
            assert parent == code[:2] + "0000", r
        else:
            assert r["level"] == "county", r
            assert code[4:] != "00", r
            if code[:4] + "00" in codes:
                assert parent == code[:4] + "00", r
            else:
                # Municipal districts (PP01xx, 5002xx) and PP90xx: directly under the province.
                assert parent == code[:2] + "0000", r
                assert code[:2] + "0000" in MUNICIPALITIES or code[2:4] == "90", r


def test_parents_come_before_children():
    seen = set()
    for r in _rows(REGIONS_CSV):
        assert not r["parent_code"] or r["parent_code"] in seen, r
        seen.add(r["code"])


def test_municipalities_have_no_prefecture_level():
    rows = _rows(REGIONS_CSV)
    assert {r["code"] for r in rows} >= MUNICIPALITIES
    below = [
        r for r in rows if r["code"][:2] + "0000" in MUNICIPALITIES and r["code"][2:] != "0000"
    ]
    assert {r["level"] for r in below} == {"county"}
    assert {r["parent_code"] for r in below} == MUNICIPALITIES
    assert len(below) == 16 + 16 + 16 + 37


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
def test_loaded_regions_match_the_file():
    counts = Counter(Region.objects.values_list("level", flat=True))
    assert counts == {
        Region.Level.PROVINCE: 32,
        Region.Level.PREFECTURE: 333,
        Region.Level.COUNTY: 2845,
    }
    for region in Region.objects.filter(level=Region.Level.PREFECTURE).select_related("parent"):
        assert region.parent.level == Region.Level.PROVINCE
        assert region.parent.code == region.code[:2] + "0000"
    for region in Region.objects.filter(level=Region.Level.COUNTY).select_related("parent"):
        assert region.parent.level in {Region.Level.PROVINCE, Region.Level.PREFECTURE}
        assert region.parent.code[:2] == region.code[:2]
    assert Region.objects.get(code="440300").parent_id == "440000"
    assert Region.objects.get(code="440300").prefix4 == "4403"
    assert Region.objects.get(code="440305").parent_id == "440300"
    assert Region.objects.get(code="110101").parent_id == "110000"
    assert Region.objects.get(code="429004").parent_id == "420000"
    assert Region.objects.get(code="429004").prefix4 == "4290"
    assert Region.objects.get(code="659001").parent_id == "650000"
    assert Region.objects.get(code="659001").get_level_display() == "县级"


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
def test_one_authority_per_region_with_an_authority_and_its_code():
    assert Authority.objects.count() == AUTHORITY_COUNT == len(_rows(AUTHORITIES_CSV))
    with_authority = set(Authority.objects.values_list("region_id", flat=True))
    assert with_authority == set(
        Region.objects.exclude(level=Region.Level.COUNTY).values_list("code", flat=True)
    ) | set(
        Region.objects.filter(level=Region.Level.COUNTY, code__regex=r"^\d{2}90").values_list(
            "code", flat=True
        )
    )
    for authority in Authority.objects.select_related("region", "parent__region"):
        assert authority.code == authority.region.code
        if authority.region.level == Region.Level.PROVINCE:
            assert authority.parent is None
        elif authority.code.startswith("6590"):
            assert authority.parent.code == XPCC
        else:
            assert authority.parent.region == authority.region.parent


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(("code", "name"), FORM_MD_AUTHORITIES.items())
def test_authority_names_from_form_md(code, name):
    assert Authority.objects.get(code=code).name == name


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
def test_authority_naming_rules():
    names = dict(Authority.objects.values_list("code", "name"))
    assert names["450000"] == "广西壮族自治区商务厅"
    assert names["650000"] == "新疆维吾尔自治区商务厅"
    assert names[XPCC] == "新疆生产建设兵团商务局"
    for authority in Authority.objects.select_related("region"):
        region = authority.region
        if region.code in MUNICIPALITIES or region.code == XPCC:
            continue
        suffix = "商务厅" if region.level == Region.Level.PROVINCE else "商务局"
        assert authority.name == region.name + suffix


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    ("code", "initials"),
    [
        ("110000", "bj bjsswj"),
        ("440300", "sz szsswj"),
        ("440000", "gd gdsswt"),
        ("222400", "yb ybcxzzzzswj"),
        ("140400", "cz czsswj"),
        ("211300", "cy cysswj"),
        ("411100", "lh lhsswj"),
        ("429004", "xt xtsswj"),
        ("429021", "snj snjlqswj"),
        ("469029", "bt btlzmzzzxswj"),
        ("469022", "tc tcxswj"),
        ("469027", "ld ldlzzzxswj"),
        ("659001", "shz shzsswj"),
        (XPCC, "bt xjscjsbtswj"),
    ],
)
def test_pinyin_initials(code, initials):
    assert Authority.objects.get(code=code).pinyin_initials == initials


@pytest.mark.django_db
def test_loader_is_idempotent_and_keeps_admin_fields():
    assert regions_load() == REGION_COUNT
    assert authorities_load() == AUTHORITY_COUNT
    Authority.objects.filter(code="110000").update(
        address="北京市东城区", phone="010-12345678", is_active=False, name="旧名称"
    )
    Region.objects.filter(code="440305").update(name="旧区名")
    assert regions_load() == REGION_COUNT
    assert authorities_load() == AUTHORITY_COUNT
    assert Region.objects.count() == REGION_COUNT
    assert Authority.objects.count() == AUTHORITY_COUNT
    assert Region.objects.get(code="440305").name == "南山区"
    beijing = Authority.objects.get(code="110000")
    assert beijing.name == "北京市商务局"
    assert (beijing.address, beijing.phone, beijing.is_active) == (
        "北京市东城区",
        "010-12345678",
        False,
    )


@pytest.mark.django_db
def test_second_load_only_reads():
    regions_load()
    authorities_load()
    before = list(Authority.objects.values_list("id", "code", "name", "parent_id", "region_id"))
    with CaptureQueriesContext(connection) as queries:
        regions_load()
        authorities_load()
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert set(statements) <= {"SELECT", "SAVEPOINT", "RELEASE"}, statements
    assert statements.count("SELECT") == 2
    assert list(Authority.objects.values_list("id", "code", "name", "parent_id", "region_id")) == (
        before
    )


@pytest.mark.django_db
def test_load_reference_data_command_prints_counts():
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    call_command("load_reference_data", stdout=out)
    assert out.getvalue().count(f"{REGION_COUNT} 个行政区划") == 2
    assert out.getvalue().count(f"{AUTHORITY_COUNT} 个备案登记机关") == 2
    assert Authority.objects.count() == AUTHORITY_COUNT
