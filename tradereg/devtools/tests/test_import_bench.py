import pytest

from tradereg.audit.models import AuditEvent
from tradereg.devtools.import_bench import bench_import
from tradereg.devtools.legacydata import legacy_csv
from tradereg.filings.models import Filing
from tradereg.registry.models import OperatorNameGram, PublishedOperator

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.mark.parametrize("batch_size", [1000, 15], ids=["one batch", "three batches"])
def test_the_import_bench_compares_like_with_like_and_leaves_nothing_behind(batch_size):
    """More than one batch once failed on SQLite: the captured rows were never written,
    so the second batch was given the first one's ids."""
    before = (Filing.objects.count(), AuditEvent.objects.count())
    result = bench_import(rows=40, rounds=1, batch_size=batch_size, log=lambda line: None)
    assert result["copy_rate"] > 0
    assert result["import_rate"] > 0
    assert result["ratio"] == pytest.approx(result["import_rate"] / result["copy_rate"])
    # Filing, revision, history event, operator, form, and the name postings of each row.
    assert result["table_rows"] > 5 * 40
    assert (Filing.objects.count(), AuditEvent.objects.count()) == before
    assert not PublishedOperator.objects.exists()
    assert not OperatorNameGram.objects.exists()


def test_the_generated_register_is_valid_and_the_same_every_time():
    assert legacy_csv(count=5) == legacy_csv(count=5)
    assert legacy_csv(count=5).startswith(b"\xef\xbb\xbf")
