"""Working days for the 5-working-day limit (备案登记办法: complete within 5 working days)."""

import csv
from datetime import date, timedelta
from functools import cache
from pathlib import Path

CALENDAR = Path(__file__).resolve().parent / "data" / "calendar.csv"
REVIEW_LIMIT_DAYS = 5


@cache
def _exceptions() -> dict[date, bool]:
    with CALENDAR.open(encoding="utf-8", newline="") as handle:
        return {
            date.fromisoformat(row["date"]): row["kind"] == "workday"
            for row in csv.DictReader(handle)
        }


def is_working_day(day: date) -> bool:
    special = _exceptions().get(day)
    if special is not None:
        return special
    return day.weekday() < 5


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 on the same day)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            days += 1
    return days
