"""The committed reference data and its loader."""

import csv
import re
from io import StringIO

import pytest
from django.core.management import call_command

from tradereg.authorities.models import Authority
from tradereg.authorities.services import AUTHORITIES_CSV, authorities_load
from tradereg.regions.models import Region
from tradereg.regions.services import REGIONS_CSV, regions_load

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}

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
    provinces = [r for r in rows if r["level"] == "province"]
    prefectures = [r for r in rows if r["level"] == "prefecture"]
    assert len(provinces) == 31
    assert len(prefectures) == 333
    kinds = {
        k: sum(r["kind"] == k for r in prefectures) for k in ("地级市", "地区", "自治州", "盟")
    }
    assert kinds == {"地级市": 293, "地区": 7, "自治州": 30, "盟": 3}
    assert {"台湾省", "香港特别行政区", "澳门特别行政区"}.isdisjoint(r["name"] for r in rows)


def test_region_codes_match_their_level():
    rows = _rows(REGIONS_CSV)
    assert len({r["code"] for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(r"\d{6}", r["code"]), r
        if r["level"] == "province":
            assert re.fullmatch(r"\d{2}0000", r["code"]), r
            assert r["parent_code"] == ""
        else:
            assert re.fullmatch(r"\d{4}00", r["code"]), r
            assert r["code"][2:4] != "00", r
            assert r["code"][2:4] != "90", "county-level city directly under a province"
            assert r["parent_code"] == r["code"][:2] + "0000", r


def test_municipalities_have_no_prefecture_level():
    codes = {r["code"] for r in _rows(REGIONS_CSV)}
    assert codes >= MUNICIPALITIES
    assert not [c for c in codes if c[:2] + "0000" in MUNICIPALITIES and c[2:] != "0000"]


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
def test_loaded_regions_match_the_file():
    prefectures = Region.objects.filter(level=Region.Level.PREFECTURE)
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 31
    assert prefectures.count() == sum(r["level"] == "prefecture" for r in _rows(REGIONS_CSV))
    assert 320 <= prefectures.count() <= 340
    for region in prefectures.select_related("parent"):
        assert region.parent.level == Region.Level.PROVINCE
        assert region.parent.code == region.code[:2] + "0000"
    assert Region.objects.get(code="440300").parent_id == "440000"
    assert Region.objects.get(code="440300").prefix4 == "4403"


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
def test_one_authority_per_region_with_its_code():
    assert Authority.objects.count() == Region.objects.count() == len(_rows(AUTHORITIES_CSV))
    for authority in Authority.objects.select_related("region", "parent__region"):
        assert authority.code == authority.region.code
        if authority.region.level == Region.Level.PROVINCE:
            assert authority.parent is None
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
    for authority in Authority.objects.select_related("region"):
        region = authority.region
        if region.code in MUNICIPALITIES:
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
    ],
)
def test_pinyin_initials(code, initials):
    assert Authority.objects.get(code=code).pinyin_initials == initials


@pytest.mark.django_db
def test_loader_is_idempotent_and_keeps_admin_fields():
    assert regions_load() == 364
    assert authorities_load() == 364
    Authority.objects.filter(code="110000").update(
        address="北京市东城区", phone="010-12345678", is_active=False, name="旧名称"
    )
    assert regions_load() == 364
    assert authorities_load() == 364
    assert Region.objects.count() == 364
    assert Authority.objects.count() == 364
    beijing = Authority.objects.get(code="110000")
    assert beijing.name == "北京市商务局"
    assert (beijing.address, beijing.phone, beijing.is_active) == (
        "北京市东城区",
        "010-12345678",
        False,
    )


@pytest.mark.django_db
def test_load_reference_data_command_prints_counts():
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    call_command("load_reference_data", stdout=out)
    assert out.getvalue().count("364") == 4
    assert Authority.objects.count() == 364
