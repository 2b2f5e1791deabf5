"""The national statistics bench draws a rollup whose three tables agree, and times the
page for every kind of reader on it."""

from collections import Counter

import pytest
from django.db import connection

from tradereg.authorities.models import Authority
from tradereg.devtools import statistics_bench
from tradereg.statistics.models import AuthorityFigure, Figure, NationalFigure, Span

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="drawn by PostgreSQL")
def test_the_drawn_rollup_adds_up_and_every_reader_gets_the_page():
    result = statistics_bench.national_rollup_generate(events=3000, log=lambda line: None)
    assert 2000 < result["events"] < 4000
    full = Figure.objects.values_list(
        "span", "day", "authority_id", "operator_type_id", "measure", "working_days", "count"
    )
    months, by_authority, national = Counter(), Counter(), Counter()
    for span, day, authority_id, type_id, measure, working_days, count in full:
        if span == Span.DAY:
            months[(day.replace(day=1), authority_id, type_id, measure, working_days)] += count
        by_authority[(span, day, authority_id, measure, working_days)] += count
        national[(span, day, type_id, measure, working_days)] += count
    assert {row[1:-1]: row[-1] for row in full if row[0] == Span.MONTH} == months
    assert {
        (f.span, f.day, f.authority_id, f.measure, f.working_days): f.count
        for f in AuthorityFigure.objects.all()
    } == by_authority
    assert {
        (f.span, f.day, f.operator_type_id, f.measure, f.working_days): f.count
        for f in NationalFigure.objects.all()
    } == national
    drawn = {key[2] for key in by_authority}
    assert len(drawn) >= min(100, Authority.objects.count())  # every part of the country
    timings = statistics_bench.statistics_timings(runs=1)
    assert [reader for reader, *_rest in timings[::2]] == [r[0] for r in statistics_bench.READERS]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_the_national_rollup_is_not_drawn_on_sqlite():
    with pytest.raises(RuntimeError):
        statistics_bench.national_rollup_generate(events=10, log=lambda line: None)
