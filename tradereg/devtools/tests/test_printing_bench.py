import pytest

from tradereg.devtools.printing_bench import bench_pdf
from tradereg.filings.models import Filing
from tradereg.printing.models import RenderedForm
from tradereg.registry.models import PublishedForm

pytestmark = pytest.mark.usefixtures("reference_data")


def test_bench_pdf_reports_timings_and_leaves_nothing_behind(settings):
    before = Filing.objects.count()
    results = bench_pdf(cold_runs=2, cached_runs=3)
    assert [label for label, _median, _p95 in results] == [
        "pdf front+back, rendered (no cache)",
        "pdf front+back, kept file (cache)",
    ]
    for _label, median, p95 in results:
        assert 0 < median <= p95
    assert results[1][1] < results[0][1]  # the kept file is faster than rendering
    assert Filing.objects.count() == before
    assert not RenderedForm.objects.exists()
    assert not PublishedForm.objects.exists()
    assert not (settings.MEDIA_ROOT / "printing").exists()
