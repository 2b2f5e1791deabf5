"""The generated register must look real to the search: valid codes, unique keys."""

from tradereg.common import codes
from tradereg.devtools import benchdata


def _rows(count: int, **kwargs) -> list[dict]:
    return [
        dict(zip(benchdata.COLUMNS, row, strict=True))
        for row in benchdata.operator_rows(count=count, **kwargs)
    ]


def test_generated_codes_are_valid_and_unique():
    rows = _rows(500)
    for row in rows:
        assert codes.is_valid_org_code(row["org_code"])
        assert row["uscc"] == "" or codes.is_valid_uscc(row["uscc"])
    for column in ("filing_id", "ie_code", "form_no", "org_code"):
        assert len({row[column] for row in rows}) == len(rows)


def test_the_same_arguments_give_the_same_rows_and_batches_join_up():
    whole = list(benchdata.operator_rows(count=40, first_id=1, total=40, seed=5))
    assert whole == list(benchdata.operator_rows(count=40, first_id=1, total=40, seed=5))
    later = _rows(20, first_id=21, total=40, seed=21)
    earlier = _rows(20, first_id=1, total=40, seed=1)
    assert earlier[-1]["approved_at"] <= later[0]["approved_at"]  # ids follow approval time


def test_postings_point_at_the_row_position():
    row = next(benchdata.operator_rows(count=1, first_id=7))
    postings = benchdata.posting_rows(row)
    assert postings
    assert {operator_id for _gram, _us, operator_id, _signature in postings} == {7}
