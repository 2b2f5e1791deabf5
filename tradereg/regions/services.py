"""State changes for regions: loading the committed GB/T 2260 reference data."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from tradereg.regions.models import Region

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"

LEVEL_DEPTH: dict[str, int] = {
    Region.Level.PROVINCE: 0,
    Region.Level.PREFECTURE: 1,
    Region.Level.COUNTY: 2,
}


def regions_load(*, path: Path | None = None) -> int:
    """Bring the region table in line with the committed data file; return its row count.

    Division data is never fetched at run time: it ships with the code (see
    ``data/SOURCE.md``). Rows are upserted by code, and only those that differ from the
    table are written, so the load is idempotent and a rerun on every start costs one
    read; regions missing from the file are left alone because filings and authorities
    may still refer to them.
    """
    with (path or REGIONS_CSV).open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        if next(reader) != ["code", "name", "level", "kind", "parent_code"]:
            raise ValueError("unexpected header in the region file")
        rows = [
            (code, name, level, kind, parent or None) for code, name, level, kind, parent in reader
        ]
    stored = set(Region.objects.values_list("code", "name", "level", "kind", "parent_id"))
    changed = []
    for row in rows:
        if row in stored:
            continue
        code, name, level, kind, parent = row
        if level not in LEVEL_DEPTH or len(code) != 6 or not code.isdigit():
            raise ValueError(f"invalid region row: {row}")
        changed.append(Region(code=code, name=name, level=level, kind=kind, parent_id=parent))
    if not changed:
        return len(rows)
    # Parents first, so the self-reference holds even where constraints are immediate.
    changed.sort(key=lambda r: (LEVEL_DEPTH[r.level], r.code))
    with transaction.atomic():
        Region.objects.bulk_create(
            changed,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "kind", "parent"],
        )
    return len(rows)
