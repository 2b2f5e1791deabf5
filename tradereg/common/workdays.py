"""Working days for the 5-working-day limit (备案登记办法: complete within 5 working days).

The days off and the weekend days worked instead (调休) follow the State Council's annual
notice on public holidays, which ``chinesecalendar`` carries and is updated for every year:
a new year arrives by upgrading that package, not by editing a file here. Outside the years
it knows, a day counts as working when it is Monday to Friday, and ``calendar_covers`` says
so, so that the office queue can warn that its counts are approximate.
"""

from datetime import date, timedelta
from functools import cache

import chinese_calendar

REVIEW_LIMIT_DAYS = 5


@cache
def calendar_years() -> tuple[int, int]:
    """First and last year the installed calendar knows (the package checks the same way)."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def calendar_covers(day: date) -> bool:
    """Whether ``day`` is counted from the published calendar rather than by weekday alone."""
    first, last = calendar_years()
    return first <= day.year <= last


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # A year the package has no notice for: the plain Monday–Friday week.
        return day.weekday() < 5


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 on the same day)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            days += 1
    return days


def working_days_after(start: date, days: int) -> date:
    """The day on which ``days`` working days after ``start`` have passed: the last day of
    the limit for a report made on ``start`` (``working_days_between`` counts the same)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
