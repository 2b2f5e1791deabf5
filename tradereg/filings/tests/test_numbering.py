"""Numbers are unique, well-formed and carry their check character."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradereg.common import codes
from tradereg.filings import numbering

pytestmark = pytest.mark.django_db


def test_sequences_count_up_independently():
    assert [numbering.sequence_next(name="a") for _ in range(3)] == [1, 2, 3]
    assert numbering.sequence_next(name="b") == 1


def test_system_numbers_are_valid_and_distinct():
    numbers = [numbering.system_no_next() for _ in range(50)]
    assert len(set(numbers)) == 50
    assert all(codes.is_valid_system_no(n) for n in numbers)


def test_form_numbers_are_eight_digits_in_order():
    first, second = numbering.form_no_next(), numbering.form_no_next()
    assert len(first) == 8
    assert first.isdigit()
    assert int(second) == int(first) + 1


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=9_999_999), st.integers(min_value=1, max_value=12))
def test_any_system_number_round_trips(sequence, month):
    number = codes.make_system_no(yymm=f"26{month:02d}", sequence=sequence)
    assert len(number) == 12
    assert codes.is_valid_system_no(number)
    assert int(number[4:11]) == sequence
