"""Working days for the 5-working-day review limit, from the State Council's calendar."""

import csv
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tradereg.office import workdays
from tradereg.office.workdays import REVIEW_LIMIT_DAYS, is_working_day, working_days_between

SHANGHAI = ZoneInfo("Asia/Shanghai")


def calendar_rows() -> list[dict[str, str]]:
    with workdays.CALENDAR.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- single days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 6), True),  # Friday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 3, 9), True),  # Monday
    ],
)
def test_weekends_are_not_working_days(day, working):
    assert is_working_day(day) is working


def test_national_day_on_a_thursday_is_a_holiday():
    day = date(2026, 10, 1)
    assert day.weekday() == 3
    assert not is_working_day(day)


def test_make_up_saturday_after_national_day_is_a_working_day():
    day = date(2026, 10, 10)
    assert day.weekday() == 5
    assert is_working_day(day)
    assert not is_working_day(date(2026, 10, 11))  # the Sunday after stays a rest day


def test_golden_week_2026():
    week = [date(2026, 10, 1) + timedelta(days=n) for n in range(10)]
    assert [is_working_day(d) for d in week] == [
        False,  # 10-01 Thu 国庆节
        False,  # 10-02 Fri
        False,  # 10-03 Sat
        False,  # 10-04 Sun
        False,  # 10-05 Mon
        False,  # 10-06 Tue
        False,  # 10-07 Wed
        True,  # 10-08 Thu
        True,  # 10-09 Fri
        True,  # 10-10 Sat 调休上班
    ]
    assert is_working_day(date(2026, 9, 20))  # the Sunday worked before it


# --- counting -----------------------------------------------------------------------------


def test_same_day_and_backwards_count_zero():
    day = date(2026, 3, 9)
    assert working_days_between(day, day) == 0
    assert working_days_between(day, day - timedelta(days=3)) == 0


def test_a_plain_week():
    # Monday → next Monday: Tue, Wed, Thu, Fri, Mon.
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 16)) == 5
    # Friday → Monday: the weekend does not count.
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1


def test_across_spring_festival_2026():
    """春节 2026: 2-15 (Sun) to 2-23 (Mon) off; 2-14 and 2-28 (Saturdays) worked."""
    before = date(2026, 2, 13)  # Friday before the holiday
    assert working_days_between(before, date(2026, 2, 14)) == 1  # make-up Saturday
    assert working_days_between(before, date(2026, 2, 23)) == 1  # nine days off
    assert working_days_between(before, date(2026, 2, 24)) == 2
    assert working_days_between(before, date(2026, 2, 27)) == 5
    assert working_days_between(before, date(2026, 2, 28)) == 6  # make-up Saturday
    assert working_days_between(before, date(2026, 3, 2)) == 7
    # Seventeen calendar days, only seven of them working days.
    assert (date(2026, 3, 2) - before).days == 17


def test_review_limit_is_five_working_days_and_stops_over_the_holiday():
    """A filing reported just before 春节 is not overdue until after it."""
    reported = date(2026, 2, 12)  # Thursday
    limit_day = next(
        reported + timedelta(days=n)
        for n in range(1, 40)
        if working_days_between(reported, reported + timedelta(days=n)) == REVIEW_LIMIT_DAYS
    )
    assert REVIEW_LIMIT_DAYS == 5
    assert limit_day == date(2026, 2, 26)
    assert working_days_between(reported, date(2026, 2, 27)) > REVIEW_LIMIT_DAYS


def test_waited_counts_from_the_local_report_date():
    """Reported at 07:00 on Friday in Beijing, which is still Thursday in UTC."""
    from types import SimpleNamespace

    from tradereg.filings.models import Status
    from tradereg.office.selectors import waited

    reported_at = datetime(2026, 2, 13, 7, 0, tzinfo=SHANGHAI)
    assert reported_at.astimezone(ZoneInfo("UTC")).date() == date(2026, 2, 12)
    filing = SimpleNamespace(reported_at=reported_at, status=Status.REPORTED)
    # Counted from Friday 2-13: 2-14 (make-up Saturday), 2-24, 2-25, 2-26, 2-27.
    assert waited(filing, today=date(2026, 2, 26)) == {"days": 4, "overdue": False, "limit": 5}
    assert waited(filing, today=date(2026, 2, 27)) == {"days": 5, "overdue": False, "limit": 5}
    assert waited(filing, today=date(2026, 2, 28))["overdue"] is True
    # Only reported filings wait.
    decided = SimpleNamespace(reported_at=reported_at, status=Status.APPROVED)
    assert waited(decided, today=date(2026, 3, 27)) == {"days": None, "overdue": False}


# --- the calendar file --------------------------------------------------------------------


def test_calendar_rows_are_well_formed():
    rows = calendar_rows()
    assert rows, "calendar.csv is empty"
    days = [date.fromisoformat(row["date"]) for row in rows]
    assert len(days) == len(set(days)), "a date is listed twice"
    assert days == sorted(days), "keep calendar.csv in date order"
    for row, day in zip(rows, days, strict=True):
        assert row["kind"] in {"holiday", "workday"}, row
        assert row["name"].strip(), row
        if row["kind"] == "holiday":
            # Weekend holidays need no row; a listed holiday replaces a working weekday.
            assert day.weekday() < 5, f"{day} is a weekend day listed as holiday"
        else:
            assert day.weekday() >= 5, f"{day} is a weekday listed as workday"


def test_calendar_covers_2025_and_2026():
    years = {date.fromisoformat(row["date"]).year for row in calendar_rows()}
    assert {2025, 2026} <= years
