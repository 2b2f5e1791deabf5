"""State changes for filing authorities: loading the committed reference lists."""

from __future__ import annotations

import csv
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from django.db import transaction

from tradereg.authorities.models import Authority
from tradereg.regions.models import Region

DATA_DIR = Path(__file__).resolve().parent / "data"
AUTHORITIES_CSV = DATA_DIR / "authorities.csv"
ENTRUSTED_CSV = DATA_DIR / "entrusted.csv"

FIELDS = ["name", "region", "parent", "pinyin_initials"]


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    region_code: str
    parent_code: str
    pinyin_initials: str


def authorities_load(*, path: Path | None = None, entrusted: Path | None = None) -> int:
    """Bring the authority list in line with the committed data files; return their rows.

    ``authorities.csv`` holds the authorities that exist by structure (provinces,
    prefectures, county-level units directly under a province, the 兵团);
    ``entrusted.csv`` the county-level ones a province has entrusted. Needs the regions
    loaded first (``regions_load``). Rows are upserted by code and only rows that differ
    are written, so the load is idempotent and a rerun on every start costs two reads.
    Only the fields the files own (name, region, parent, pinyin initials) are written:
    address, phone and the active flag are maintained by administrators and survive a
    reload, and authorities added in the admin are left alone.
    """
    rows = _read(path or AUTHORITIES_CSV)
    entrusted_rows = _read(entrusted or ENTRUSTED_CSV, entrusted=True)
    rows += entrusted_rows
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        raise ValueError("an authority is listed twice")
    stored = {
        code: rest
        for code, *rest in Authority.objects.values_list(
            "code", "id", "name", "region_id", "parent_id", "pinyin_initials"
        )
    }
    ids: dict[str, int] = {code: cast(int, rest[0]) for code, rest in stored.items()}
    if entrusted_rows:
        _check_entrusted(entrusted_rows)
    with transaction.atomic():
        # Level by level: an authority refers to its parent by primary key, which only
        # exists once the level above is stored.
        for level in _levels(rows, known=ids.keys()):
            changed = []
            for row in level:
                parent_id = ids[row.parent_code] if row.parent_code else None
                wanted = [row.name, row.region_code, parent_id, row.pinyin_initials]
                if row.code not in stored or stored[row.code][1:] != wanted:
                    changed.append(_authority(row, parent_id=parent_id))
            if not changed:
                continue
            Authority.objects.bulk_create(
                changed,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=FIELDS,
            )
            ids.update(
                Authority.objects.filter(code__in=[a.code for a in changed]).values_list(
                    "code", "id"
                )
            )
    return len(rows)


def authority_parent_for_region(region: Region) -> Authority | None:
    """The authority above one for ``region``: that of its nearest ancestor having one.

    Lets an administrator add an entrusted county-level authority by choosing its region
    only; the 兵团 cities' authorities are in the data file with their own parent.
    """
    ancestor = region.parent
    while ancestor is not None:
        authority = Authority.objects.filter(code=ancestor.code).first()
        if authority is not None:
            return authority
        ancestor = ancestor.parent
    return None


def _read(path: Path, *, entrusted: bool = False) -> list[_Row]:
    with path.open(encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    rows = []
    for record in records:
        if entrusted and not (record.get("basis") or "").strip():
            raise ValueError(f"entrusted authority without its basis: {record}")
        rows.append(
            _Row(
                code=record["code"],
                name=record["name"],
                region_code=record["region_code"],
                parent_code=record["parent_code"],
                pinyin_initials=record["pinyin_initials"],
            )
        )
    return rows


def _check_entrusted(rows: list[_Row]) -> None:
    """An entrusted authority is county level and sits under one of its region's ancestors."""
    regions = {
        code: (level, parent_id, grandparent_id)
        for code, level, parent_id, grandparent_id in Region.objects.filter(
            code__in=[r.region_code for r in rows]
        ).values_list("code", "level", "parent_id", "parent__parent_id")
    }
    for row in rows:
        level, parent_id, grandparent_id = regions.get(row.region_code, (None, None, None))
        if level != Region.Level.COUNTY or row.code != row.region_code:
            raise ValueError(f"entrusted authority {row.code} is not for a county-level region")
        if row.parent_code not in {parent_id, grandparent_id} - {None}:
            raise ValueError(f"entrusted authority {row.code} is not under {row.parent_code}")


def _levels(rows: list[_Row], *, known: Set[str]) -> list[list[_Row]]:
    """``rows`` grouped by depth below the top, so parents are stored before children.

    A parent outside the files must already be stored (``known``, e.g. one added in the
    admin); anything else, or a cycle, is an error in the data.
    """
    by_code = {r.code: r for r in rows}
    depths: dict[str, int] = {}

    def depth(row: _Row, seen: frozenset[str] = frozenset()) -> int:
        if row.code in depths:
            return depths[row.code]
        if row.code in seen:
            raise ValueError(f"authority {row.code} is its own ancestor")
        if not row.parent_code:
            result = 0
        elif row.parent_code in by_code:
            result = depth(by_code[row.parent_code], seen | {row.code}) + 1
        elif row.parent_code in known:
            result = 1
        else:
            raise ValueError(f"unknown parent authority {row.parent_code} of {row.code}")
        depths[row.code] = result
        return result

    levels: list[list[_Row]] = []
    for row in rows:
        d = depth(row)
        while len(levels) <= d:
            levels.append([])
        levels[d].append(row)
    return levels


def _authority(row: _Row, *, parent_id: int | None) -> Authority:
    return Authority(
        code=row.code,
        name=row.name,
        region_id=row.region_code,
        parent_id=parent_id,
        pinyin_initials=row.pinyin_initials,
    )
