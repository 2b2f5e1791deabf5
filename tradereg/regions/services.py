"""State changes for regions: loading the committed GB/T 2260 reference data."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from tradereg.regions.models import Region

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"


def regions_load(*, path: Path | None = None) -> int:
    """Bring the region table in line with the committed data file; return its row count.

    Division data is never fetched at run time: it ships with the code (see
    ``data/SOURCE.md``). Rows are upserted by code, so the load is idempotent and cheap
    enough to run on every start; regions missing from the file are left alone because
    filings and authorities may still refer to them.
    """
    with (path or REGIONS_CSV).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    levels = {choice.value for choice in Region.Level}
    regions = []
    for row in rows:
        if row["level"] not in levels or len(row["code"]) != 6 or not row["code"].isdigit():
            raise ValueError(f"invalid region row: {row}")
        regions.append(
            Region(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                kind=row["kind"],
                parent_id=row["parent_code"] or None,
            )
        )
    # Parents first, so the self-reference holds even where constraints are immediate.
    regions.sort(key=lambda r: (r.parent_id is not None, r.code))
    with transaction.atomic():
        Region.objects.bulk_create(
            regions,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "kind", "parent"],
        )
    return len(regions)
