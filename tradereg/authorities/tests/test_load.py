"""Loading the authority files: the structural list and the entrusted county-level one."""

import csv

import pytest

from tradereg.authorities.models import Authority
from tradereg.authorities.services import (
    AUTHORITIES_CSV,
    ENTRUSTED_CSV,
    authorities_load,
    authority_parent_for_region,
)
from tradereg.regions.models import Region
from tradereg.regions.services import regions_load

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "region_code", "parent_code", "pinyin_initials", "basis"]
YIWU = ["330782", "义乌市商务局", "330782", "330700", "yw ywsswj", "浙商务〔2016〕示例号"]


@pytest.fixture(autouse=True)
def _regions(db):
    regions_load()


def _entrusted(tmp_path, *rows):
    path = tmp_path / "entrusted.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_shipped_entrusted_file_has_the_columns_and_no_unverified_rows():
    with ENTRUSTED_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == HEADER
        assert list(reader) == []


def test_new_authorities_have_correct_parents():
    authorities_load()
    parents = dict(Authority.objects.values_list("code", "parent__code"))
    assert parents["419001"] == "410000"
    assert parents["429004"] == "420000"
    assert parents["429021"] == "420000"
    assert parents["469001"] == "460000"
    assert parents["469030"] == "460000"
    assert parents["660000"] is None
    assert parents["659001"] == "660000"
    assert parents["659012"] == "660000"
    names = dict(Authority.objects.values_list("code", "name"))
    assert names["429004"] == "仙桃市商务局"
    assert names["419001"] == "济源市商务局"
    assert names["659001"] == "石河子市商务局"
    assert names["660000"] == "新疆生产建设兵团商务局"


def test_counts_per_level():
    authorities_load()
    levels = {
        level: Authority.objects.filter(region__level=level).count() for level in Region.Level
    }
    assert levels == {
        Region.Level.PROVINCE: 32,
        Region.Level.PREFECTURE: 333,
        Region.Level.COUNTY: 32,
    }
    with AUTHORITIES_CSV.open(encoding="utf-8", newline="") as f:
        assert sum(1 for _ in csv.DictReader(f)) == 397


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("110000", "1100"),
        ("440300", "4403"),
        ("429004", "4290"),
        ("419001", "4190"),
        ("469001", "4690"),
        ("659001", "6590"),
        ("660000", "6600"),
    ],
)
def test_ie_code_prefix(code, prefix):
    authorities_load()
    assert Authority.objects.select_related("region").get(code=code).ie_code_prefix == prefix


def test_entrusted_county_authority_is_loaded_under_its_prefecture(tmp_path):
    path = _entrusted(tmp_path, YIWU)
    assert authorities_load(entrusted=path) == 398
    yiwu = Authority.objects.select_related("parent", "region").get(code="330782")
    assert (yiwu.name, yiwu.parent.code, yiwu.region.level) == ("义乌市商务局", "330700", "county")
    assert authorities_load(entrusted=path) == 398
    assert Authority.objects.count() == 398


def test_entrusted_municipal_district_is_under_the_municipality(tmp_path):
    row = ["110105", "北京市朝阳区商务局", "110105", "110000", "cy cyqswj", "示例"]
    authorities_load(entrusted=_entrusted(tmp_path, row))
    assert Authority.objects.get(code="110105").parent.code == "110000"


def test_entrusted_county_may_sit_directly_under_its_province(tmp_path):
    row = [*YIWU[:3], "330000", *YIWU[4:]]
    authorities_load(entrusted=_entrusted(tmp_path, row))
    assert Authority.objects.get(code="330782").parent.code == "330000"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([*YIWU[:5], " "], "basis"),
        (["330700", "金华市商务局", "330700", "330000", "jh jhsswj", "x"], "twice"),
        (["330782", "义乌市商务局", "330783", *YIWU[3:]], "county-level"),
        ([*YIWU[:3], "440300", *YIWU[4:]], "not under"),
        (["999901", "无此县商务局", "999901", "330700", "w w", "x"], "county-level"),
    ],
)
def test_invalid_entrusted_rows_are_rejected(tmp_path, row, message):
    before = Authority.objects.count()
    with pytest.raises(ValueError, match=message):
        authorities_load(entrusted=_entrusted(tmp_path, row))
    assert Authority.objects.count() == before
    assert not Authority.objects.filter(code=row[0]).exclude(code="330700").exists()


def test_authority_listed_twice_is_rejected(tmp_path):
    row = ["429004", "仙桃市商务局", "429004", "420000", "xt xtsswj", "x"]
    with pytest.raises(ValueError, match="twice"):
        authorities_load(entrusted=_entrusted(tmp_path, row))


def test_authority_added_in_the_admin_survives_a_reload():
    authorities_load()
    jinhua = Authority.objects.get(code="330700")
    Authority.objects.create(code="330782", name="义乌市商务局", region_id="330782", parent=jinhua)
    authorities_load()
    assert Authority.objects.get(code="330782").parent == jinhua
    assert Authority.objects.count() == 398


def test_loading_twice_changes_nothing():
    authorities_load()
    before = list(Authority.objects.order_by("code").values())
    authorities_load()
    assert list(Authority.objects.order_by("code").values()) == before


def test_parent_for_region_is_the_nearest_authority_above():
    authorities_load()
    assert authority_parent_for_region(Region.objects.get(code="330782")).code == "330700"
    assert authority_parent_for_region(Region.objects.get(code="110105")).code == "110000"
    assert authority_parent_for_region(Region.objects.get(code="330700")).code == "330000"
    assert authority_parent_for_region(Region.objects.get(code="330000")) is None
    Authority.objects.filter(code="330700").delete()
    assert authority_parent_for_region(Region.objects.get(code="330782")).code == "330000"
