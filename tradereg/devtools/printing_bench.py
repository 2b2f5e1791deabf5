"""PDF timings, called by ``manage.py bench`` (or directly: ``manage.py shell -c "from
tradereg.devtools.printing_bench import bench_pdf; print(bench_pdf())"``).

It needs no data of its own in the database: inside one transaction that is rolled back
at the end it imports an approved filing through ``filings.services.filing_import``
(loading the reference data first if the database has none), and it writes the kept PDFs
to a temporary ``MEDIA_ROOT`` that is removed afterwards. Nothing is left behind, on
SQLite or PostgreSQL. On SQLite the transaction holds the write lock for the few seconds
the measurement takes, so a server sharing the file waits (it does not fail) meanwhile.

The first render in a process loads the font and parses the style sheet (~0.5 s); one
warm-up render is excluded from the timings, as a running server pays it once per thread.
"""

import random
import statistics
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from tradereg.authorities.models import Authority
from tradereg.common import codes
from tradereg.core.demo import reference_data_load
from tradereg.filings.models import Currency, IdType, Method, OperatorType
from tradereg.filings.services import filing_import
from tradereg.printing import services
from tradereg.printing.models import Audience, RenderedForm, Side

# Targets for the medians, for a caller that wants to flag a regression.
TARGETS_MS = {"rendered": 300, "cached": 10}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _bench_filing():
    """An approved filing with realistic, valid data, created through the services."""
    if not (Authority.objects.filter(code="110000").exists() and OperatorType.objects.exists()):
        reference_data_load()
    rng = random.Random(20161201)  # noqa: S311 - test data, not a secret
    for _attempt in range(20):
        uscc = codes.generate_uscc(rng, region_code="110105")
        try:
            with transaction.atomic():
                return filing_import(
                    authority=Authority.objects.get(code="110000"),
                    method=Method.USCC,
                    approved_at=datetime(2024, 5, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
                    data={
                        "name_cn": "北京性能测试国际贸易有限公司",
                        "name_en": "Beijing Benchmark International Trading Co., Ltd.",
                        "uscc": uscc,
                        "org_code": "",
                        "operator_type": OperatorType.objects.get(name="私营企业"),
                        "residence": "北京市朝阳区建国门外大街1号国贸大厦A座1808室",
                        "premises_cn": "北京市朝阳区建国门外大街1号国贸大厦A座1808室",
                        "premises_en": "Room 1808, Tower A, No. 1 Jianguomenwai Avenue, Beijing",
                        "phone": "010-65051234",
                        "fax": "010-65051235",
                        "postcode": "100004",
                        "email": "trade@bench.example.cn",
                        "registration_date": date(2012, 3, 15),
                        "registration_no": uscc,
                        "representative": "王建国",
                        "id_type": IdType.RESIDENT_ID,
                        "id_number": codes.generate_resident_id(rng),
                        "capital": Decimal("1000"),
                        "currency": Currency.objects.get(code="CNY"),
                        "capital_usd": Decimal("140.8"),
                        "remarks": "",
                    },
                )
        except (ValidationError, IntegrityError):  # noqa: S112 - the code is taken: try another
            continue
    raise RuntimeError("could not create a filing to measure with")


def bench_pdf(*, cold_runs: int = 15, cached_runs: int = 50) -> list[tuple[str, float, float]]:
    """(label, median ms, p95 ms) for one filled form, front and back as two PDFs:
    rendered without the kept file (target median ≤ 300 ms), and served from it (≤ 10 ms).
    """
    results = []
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        filing = _bench_filing()
        form = services.printed_form_for(filing=filing, audience=Audience.PUBLIC)
        services.form_pdf_render(form=form)  # warm-up: font, style sheets

        def both_sides() -> float:
            start = time.perf_counter()
            for side in (Side.FRONT, Side.BACK):
                services.form_pdf(form=form, side=side)
            return (time.perf_counter() - start) * 1000

        cold = []
        for _ in range(cold_runs):
            RenderedForm.objects.filter(filing=filing).delete()
            cold.append(both_sides())
        cached = [both_sides() for _ in range(cached_runs)]
        transaction.set_rollback(True)
    for label, values in (
        ("pdf front+back, rendered (no cache)", cold),
        ("pdf front+back, kept file (cache)", cached),
    ):
        results.append(
            (label, round(statistics.median(values), 1), round(_percentile(values, 0.95), 1))
        )
    return results
