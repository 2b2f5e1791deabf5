"""Form options kept as data (FORM.md): 经营者类型 and 币种 with their rates.

Loading only adds what is missing, so what a national admin has edited stays as edited.
The English names are for English pages; the form always prints the Chinese name.
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
    """Create missing operator types and currencies, and give an English name to those
    that have none yet; returns how many of each exist."""
    for row in _rows("operator_types.csv"):
        operator_type, _ = OperatorType.objects.get_or_create(
            name=row["name"],
            defaults={
                "name_en": row["name_en"],
                "section": row["section"],
                "org_code_required": row["org_code_required"] == "1",
                "sort_order": int(row["sort_order"]),
            },
        )
        _name_en_fill(operator_type, row["name_en"])
    for row in _rows("currencies.csv"):
        currency, _ = Currency.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "usd_rate": Decimal(row["usd_rate"]),
                "rate_date": date.fromisoformat(row["rate_date"]),
                "sort_order": int(row["sort_order"]),
                "is_default": row["is_default"] == "1",
            },
        )
        _name_en_fill(currency, row["name_en"])
    return OperatorType.objects.count(), Currency.objects.count()


def _name_en_fill(option: OperatorType | Currency, name_en: str) -> None:
    """An English name set by an admin stays; only an empty one is filled."""
    if not option.name_en and name_en:
        option.name_en = name_en
        option.save(update_fields=["name_en"])
