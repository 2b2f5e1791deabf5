"""Form options kept as data (FORM.md): 经营者类型 and 币种 with their rates.

Loading only adds what is missing, so what a national admin has edited stays as edited.
"""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from tradereg.filings.models import Currency, OperatorType

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def form_options_load() -> tuple[int, int]:
    """Create missing operator types and currencies; returns how many of each exist."""
    for row in _rows("operator_types.csv"):
        OperatorType.objects.get_or_create(
            name=row["name"],
            defaults={
                "section": row["section"],
                "org_code_required": row["org_code_required"] == "1",
                "sort_order": int(row["sort_order"]),
            },
        )
    for row in _rows("currencies.csv"):
        Currency.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "usd_rate": Decimal(row["usd_rate"]),
                "rate_date": date.fromisoformat(row["rate_date"]),
                "sort_order": int(row["sort_order"]),
                "is_default": row["is_default"] == "1",
            },
        )
    return OperatorType.objects.count(), Currency.objects.count()
