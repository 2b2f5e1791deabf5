"""State changes for filing authorities: loading the committed reference list."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from tradereg.authorities.models import Authority

AUTHORITIES_CSV = Path(__file__).resolve().parent / "data" / "authorities.csv"


def authorities_load(*, path: Path | None = None) -> int:
    """Bring the authority list in line with the committed data file; return its row count.

    Needs the regions loaded first (``regions_load``). Rows are upserted by code, so the
    load is idempotent and safe on every start. Only the fields the file owns (name,
    region, parent, pinyin initials) are written: address, phone and the active flag are
    maintained by administrators and survive a reload.
    """
    with (path or AUTHORITIES_CSV).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = ["name", "region", "parent", "pinyin_initials"]
    with transaction.atomic():
        # Two passes: a supervised authority refers to its parent by primary key, which
        # only exists once the top-level authorities are stored.
        top = [r for r in rows if not r["parent_code"]]
        supervised = [r for r in rows if r["parent_code"]]
        Authority.objects.bulk_create(
            [_authority(r, parent_id=None) for r in top],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=fields,
        )
        parent_codes = {r["parent_code"] for r in supervised}
        ids = dict(Authority.objects.filter(code__in=parent_codes).values_list("code", "id"))
        missing = parent_codes - ids.keys()
        if missing:
            raise ValueError(f"unknown parent authorities: {sorted(missing)}")
        Authority.objects.bulk_create(
            [_authority(r, parent_id=ids[r["parent_code"]]) for r in supervised],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=fields,
        )
    return len(rows)


def _authority(row: dict[str, str], *, parent_id: int | None) -> Authority:
    return Authority(
        code=row["code"],
        name=row["name"],
        region_id=row["region_code"],
        parent_id=parent_id,
        pinyin_initials=row["pinyin_initials"],
    )
