"""The indexed name search returns exactly what a plain substring scan returns, in the
same newest-first order, page after page, in both directions."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradereg.registry import selectors
from tradereg.registry.grams import (
    UNKNOWN_SIGNATURE,
    approved_us,
    grams,
    query_masks,
    search_key,
    signature,
)
from tradereg.registry.models import OperatorNameGram, PublishedOperator
from tradereg.registry.tests.helpers import published

pytestmark = pytest.mark.django_db

# A small alphabet makes shared bigrams, long postings and near misses likely.
CHINESE = "华兴为技术有限公司深圳进出口贸易科达（）"
LATIN = "abcHUAXIngco., &-%_\\"
BASE = datetime(2020, 1, 1, tzinfo=UTC)


def naive(rows: list[PublishedOperator], query: str) -> list[int]:
    """The reference: every operator one of whose names contains the query."""
    key = search_key(query)
    hits = [row for row in rows if key in search_key(row.name_cn) or key in search_key(row.name_en)]
    hits.sort(key=lambda row: (approved_us(row.approved_at), row.pk), reverse=True)
    return [row.pk for row in hits]


def walk_forward(query: str, **options) -> list[list[int]]:
    pages, after = [], None
    for _ in range(500):
        page = selectors.operator_search(query=query, after=after, **options)
        pages.append([row.pk for row in page.all_rows])
        if page.next_cursor is None:
            return pages
        after = page.next_cursor
    raise AssertionError("the pages did not end")


def walk_backward_from_end(query: str, **options) -> list[int]:
    """Go to the last page, then follow 上一页 back to the first; rows in display order."""
    after, page = None, selectors.operator_search(query=query, **options)
    while page.next_cursor is not None:
        after = page.next_cursor
        page = selectors.operator_search(query=query, after=after, **options)
    collected = [row.pk for row in page.all_rows]
    for _ in range(500):
        if page.prev_cursor is None:
            return collected
        page = selectors.operator_search(query=query, before=page.prev_cursor, **options)
        rows = [row.pk for row in page.all_rows]
        if page.prev_cursor is None:
            # The first page is shown whole; keep what precedes the rows already seen.
            rows = rows[: rows.index(collected[0])] if collected and collected[0] in rows else rows
        collected = rows + collected
    raise AssertionError("the pages did not end")


names = st.tuples(
    st.text(alphabet=CHINESE, min_size=2, max_size=10),
    st.text(alphabet=LATIN, min_size=1, max_size=14),
    st.integers(min_value=0, max_value=40),  # few distinct times: ties on approved_at
)


@st.composite
def cases(draw):
    rows = draw(st.lists(names, min_size=1, max_size=25))
    queries = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        cn, en, _minute = draw(st.sampled_from(rows))
        kind = draw(st.sampled_from(["cn", "en", "random"]))
        if kind == "cn":
            size = draw(st.sampled_from([2, 3, 4]))
            start = draw(st.integers(min_value=0, max_value=max(len(cn) - size, 0)))
            queries.append(cn[start : start + size])
        elif kind == "en":
            start = draw(st.integers(min_value=0, max_value=len(en) - 1))
            fragment = en[start : start + draw(st.integers(min_value=2, max_value=6))]
            queries.append(draw(st.sampled_from([fragment, fragment.upper(), fragment.title()])))
        else:
            queries.append(draw(st.text(alphabet=CHINESE + LATIN, min_size=2, max_size=4)))
    return rows, queries


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_indexed_search_equals_substring_scan(case):
    rows, queries = case
    with transaction.atomic():
        created = [
            published(name_cn=cn, name_en=en, approved_at=BASE + timedelta(minutes=minute))
            for cn, en, minute in rows
        ]
        for query in queries:
            if not grams(search_key(query)):
                assert selectors.operator_query_problem(query)
                continue
            expected = naive(created, query)
            # Tiny pages and scan rounds: pagination, the scan bound and the recheck bound
            # (a round stopped by its probes before its postings) are exercised.
            for rounds in [(2, 3), ((4, 1), (6, 2))]:
                options = {"page_size": 3, "scan_rounds": rounds}
                pages = walk_forward(query, **options)
                assert [pk for page in pages for pk in page] == expected, query
                assert walk_backward_from_end(query, **options) == expected, query
            first = selectors.operator_search(query=query)
            assert [row.pk for row in first.rows] == expected[:20], query
        transaction.set_rollback(True)


def test_two_characters_find_the_whole_name():
    huawei = published(name_cn="华为技术有限公司", name_en="Huawei Technologies Co., Ltd.")
    published(name_cn="中兴通讯股份有限公司", name_en="ZTE Corporation")
    page = selectors.operator_search(query="华为")
    assert [row.pk for row in page.rows] == [huawei.pk]


@pytest.mark.parametrize("query", ["huawei", "HUAWEI", "Technologies co", "ｈｕａｗｅｉ"])
def test_english_fragments_ignore_case_and_width(query):
    huawei = published(name_cn="华为技术有限公司", name_en="Huawei Technologies Co., Ltd.")
    assert [row.pk for row in selectors.operator_search(query=query).rows] == [huawei.pk]


def test_a_match_never_spans_the_chinese_and_english_name():
    published(name_cn="华为技术有限公司", name_en="Huawei")
    assert selectors.operator_search(query="司h").rows == []


@pytest.mark.parametrize("query", ["华", "a", " 华 ", "& -"])
def test_fewer_than_two_characters_is_refused(query):
    assert selectors.operator_query_problem(query) == "请至少输入两个字（汉字、字母或数字）。"


def test_newest_approval_first():
    old = published(name_cn="华兴贸易有限公司", approved_at=BASE)
    new = published(name_cn="深圳华兴科技有限公司", approved_at=BASE + timedelta(days=9))
    middle = published(name_cn="华兴进出口有限公司", approved_at=BASE + timedelta(days=3))
    page = selectors.operator_search(query="华兴")
    assert [row.pk for row in page.rows] == [new.pk, middle.pk, old.pk]


def test_broad_term_stops_after_one_page_without_counting(django_assert_max_num_queries):
    for n in range(60):
        published(name_cn=f"华兴{n}贸易有限公司", approved_at=BASE + timedelta(minutes=n))
    # capped gram counts are skipped for one gram: postings, recheck, rows.
    with django_assert_max_num_queries(3):
        page = selectors.operator_search(query="有限", page_size=20)
    assert len(page.rows) == 20
    assert page.next_cursor is not None
    assert page.complete


def test_scan_bound_leaves_a_next_page_to_continue():
    # Both grams of 华兴华 are common, the string itself is rare: the worst case.
    target = published(name_cn="华兴华贸易有限公司", approved_at=BASE)
    for n in range(30):
        published(name_cn=f"华兴贸易兴华{n}", approved_at=BASE + timedelta(minutes=n + 1))
    page = selectors.operator_search(query="华兴华", scan_rounds=(5, 5))
    assert page.rows == []
    assert not page.complete
    assert page.next_cursor is not None
    pages = walk_forward("华兴华", scan_rounds=(5, 5))
    assert [pk for page in pages for pk in page] == [target.pk]


def test_malformed_cursors_are_ignored():
    operator = published(name_cn="华兴贸易有限公司")
    for cursor in ["x", "1.2.3", "9" * 40 + ".1", ""]:
        assert [row.pk for row in selectors.operator_search(query="华兴", after=cursor).rows] == [
            operator.pk
        ]
        assert [row.pk for row in selectors.operator_search(query="华兴", before=cursor).rows] == [
            operator.pk
        ]


def test_a_one_gram_query_reads_the_postings_and_the_rows_only(django_assert_num_queries):
    operator = published(name_cn="华兴贸易有限公司")
    with django_assert_num_queries(2):
        assert [row.pk for row in selectors.operator_search(query="华兴").rows] == [operator.pk]


def test_a_signature_without_the_query_trigrams_is_never_rechecked():
    """The signature filter runs before the recheck: a posting whose signature lacks the
    query's trigram is not a match even when the stored key contains it. (A real
    signature always has it; the forged one shows the filter is applied.)"""
    operator = published(name_cn="华兴科技有限公司")
    assert [row.pk for row in selectors.operator_search(query="华兴科").rows] == [operator.pk]
    low, high = query_masks(search_key("华兴科"))
    OperatorNameGram.objects.filter(operator=operator).update(signature=~low & ~high)
    assert selectors.operator_search(query="华兴科").rows == []


def test_postings_written_without_a_signature_are_still_found():
    operator = published(name_cn="华兴科技有限公司", name_en="Huaxing Technology Co., Ltd.")
    OperatorNameGram.objects.filter(operator=operator).update(signature=UNKNOWN_SIGNATURE)
    for query in ["华兴科技", "huaxing tech", "有限公司"]:
        assert [row.pk for row in selectors.operator_search(query=query).rows] == [operator.pk], (
            query
        )


def test_publishing_writes_the_signature_of_the_key():
    operator = published(name_cn="华兴科技有限公司", name_en="Huaxing Technology Co., Ltd.")
    held = set(
        OperatorNameGram.objects.filter(operator=operator).values_list("signature", flat=True)
    )
    assert held == {signature(operator.search_key)}
    assert UNKNOWN_SIGNATURE not in held


def test_a_renamed_operator_keeps_no_stale_signature():
    operator = published(name_cn="华兴贸易有限公司")
    before = (operator.search_key, operator.approved_at)
    operator.name_cn = "华兴远航有限公司"  # 华兴 and 有限公司 stay, the rest is new
    operator.search_key = search_key(operator.name_cn) + "\n" + search_key(operator.name_en)
    operator.save()
    from tradereg.registry.services import operator_postings_sync

    operator_postings_sync(operator=operator, before=before)
    held = set(
        OperatorNameGram.objects.filter(operator=operator).values_list("signature", flat=True)
    )
    assert held == {signature(operator.search_key)}
    assert [row.pk for row in selectors.operator_search(query="兴远航").rows] == [operator.pk]
    assert selectors.operator_search(query="兴贸易").rows == []


def test_postings_follow_a_renamed_operator():
    operator = published(name_cn="华兴贸易有限公司")
    before = (operator.search_key, operator.approved_at)
    operator.name_cn = "远航科技有限公司"
    operator.search_key = search_key(operator.name_cn) + "\n" + search_key(operator.name_en)
    operator.approved_at = operator.approved_at + timedelta(days=1)
    operator.save()
    from tradereg.registry.services import operator_postings_sync

    operator_postings_sync(operator=operator, before=before)
    held = set(OperatorNameGram.objects.filter(operator=operator).values_list("gram", flat=True))
    assert held == grams(operator.search_key)
    assert set(
        OperatorNameGram.objects.filter(operator=operator).values_list("approved_us", flat=True)
    ) == {approved_us(operator.approved_at)}
    assert selectors.operator_search(query="华兴").rows == []
    assert [row.pk for row in selectors.operator_search(query="远航").rows] == [operator.pk]


@settings(max_examples=300, deadline=None)
@given(
    name=st.tuples(st.text(alphabet=CHINESE + LATIN, max_size=12), st.text(max_size=20)),
    data=st.data(),
)
def test_a_contained_query_always_passes_the_signature(name, data):
    """No false negative: every substring of either name passes its signature's test."""
    key = f"{search_key(name[0])}\n{search_key(name[1])}"
    part = data.draw(st.sampled_from(key.split("\n")))
    start = data.draw(st.integers(min_value=0, max_value=len(part)))
    query = part[start : start + data.draw(st.integers(min_value=0, max_value=len(part)))]
    low, high = query_masks(query)
    mark = signature(key)
    assert (mark & low) == low or (mark & high) == high
