"""Working days for the 5-working-day review limit, from the State Council's calendar."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from tradereg.accounts.tests.otp import login_verified
from tradereg.common.workdays import (
    REVIEW_LIMIT_DAYS,
    calendar_covers,
    calendar_years,
    is_working_day,
    working_days_after,
    working_days_between,
)
from tradereg.filings.tests.factories import make_officer
from tradereg.office.templatetags import workdays as workdays_tags

SHANGHAI = ZoneInfo("Asia/Shanghai")


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
    due = date(2026, 2, 27)
    assert waited(filing, today=date(2026, 2, 26)) == {
        "days": 4,
        "overdue": False,
        "limit": 5,
        "due": due,
    }
    assert waited(filing, today=date(2026, 2, 27)) == {
        "days": 5,
        "overdue": False,
        "limit": 5,
        "due": due,
    }
    assert waited(filing, today=date(2026, 2, 28))["overdue"] is True
    # Only reported filings wait.
    decided = SimpleNamespace(reported_at=reported_at, status=Status.APPROVED)
    assert waited(decided, today=date(2026, 3, 27)) == {"days": None, "overdue": False}


def test_the_last_day_of_the_limit_is_counted_as_the_wait_is():
    """Reported the day before National Day 2025: the holiday and its make-up Saturday
    (10-11) decide the last day, and it is the day the count reaches the limit."""
    reported = date(2025, 9, 30)
    due = working_days_after(reported, REVIEW_LIMIT_DAYS)
    assert due == date(2025, 10, 14)
    assert working_days_between(reported, due) == REVIEW_LIMIT_DAYS
    assert working_days_between(reported, due - timedelta(days=1)) == REVIEW_LIMIT_DAYS - 1


# --- years before and after the hand-kept list -------------------------------------------


def test_national_day_2024_is_a_holiday_and_its_make_up_saturday_is_worked():
    """2024 came from no file here: the maintained calendar knows it all the same."""
    assert date(2024, 10, 1).weekday() == 1
    assert not is_working_day(date(2024, 10, 1))
    assert is_working_day(date(2024, 10, 12))  # Saturday, 国庆节调休
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 8)) == 1


def test_spring_festival_2025():
    assert not is_working_day(date(2025, 1, 28))  # Tuesday, 除夕
    assert is_working_day(date(2025, 1, 26))  # Sunday, 春节调休
    assert is_working_day(date(2025, 2, 8))  # Saturday, 春节调休


def test_every_covered_day_agrees_with_the_package():
    first, last = calendar_years()
    day = date(last, 1, 1)
    while day.year == last:
        assert is_working_day(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert first <= 2025 <= last


# --- past the calendar's range ------------------------------------------------------------


def test_calendar_covers_its_years_and_no_others():
    first, last = calendar_years()
    assert first <= 2004
    assert last >= 2026
    assert calendar_covers(date(last, 12, 31))
    assert calendar_covers(date(first, 1, 1))
    assert not calendar_covers(date(last + 1, 1, 1))
    assert not calendar_covers(date(first - 1, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(last + 1, 1, 1))


def test_past_the_calendar_a_day_counts_by_weekday():
    _first, last = calendar_years()
    new_year = date(last + 1, 1, 1)
    week = [new_year + timedelta(days=n) for n in range(14)]
    assert [is_working_day(d) for d in week] == [d.weekday() < 5 for d in week]
    # The count runs on across the year boundary instead of failing.
    assert working_days_between(date(last, 12, 24), date(last + 1, 1, 14)) > 0


def render_warning(today: date | None = None) -> str:
    template = Template("{% load workdays %}{% calendar_warning today %}")
    return template.render(Context({"today": today}))


def test_warning_tag_is_silent_inside_the_calendar():
    _first, last = calendar_years()
    assert render_warning(date(last, 6, 1)) == ""


def test_warning_tag_names_the_last_year_past_the_calendar():
    _first, last = calendar_years()
    html = render_warning(date(last + 1, 1, 5))
    assert f"工作日历仅覆盖至 {last} 年" in html
    assert "按周一至周五计算" in html
    assert "chinesecalendar" in html
    assert 'role="status"' in html


@pytest.mark.usefixtures("reference_data")
def test_queue_warns_when_today_is_past_the_calendar(monkeypatch):
    _first, last = calendar_years()
    client = Client()
    login_verified(client, make_officer(code="440300", username="sz-calendar"))
    monkeypatch.setattr(workdays_tags, "localdate", lambda: date(last, 6, 1))
    page = client.get(reverse("office:queue")).content.decode()
    assert "工作日历仅覆盖至" not in page

    monkeypatch.setattr(workdays_tags, "localdate", lambda: date(last + 1, 1, 5))
    page = client.get(reverse("office:queue")).content.decode()
    assert f"工作日历仅覆盖至 {last} 年，超出部分按周一至周五计算，请更新 chinesecalendar。" in page


@pytest.mark.django_db
def test_the_queue_shows_the_last_day_of_the_limit_as_a_date(client, reference_data):
    from tradereg.filings.models import Status
    from tradereg.filings.tests.factories import make_filing

    filing = make_filing(status=Status.REPORTED, code="110000")
    login_verified(client, make_officer(code="110000", username="bj-due"))
    page = client.get(reverse("office:queue")).content.decode()

    reported = filing.reported_at.astimezone(SHANGHAI).date()
    due = working_days_after(reported, REVIEW_LIMIT_DAYS).isoformat()
    assert f'审核期限 <time datetime="{due}">{due}</time>' in page
