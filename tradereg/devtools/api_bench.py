"""The open-data API beside the HTML pages it mirrors, for `make bench`: one operator
(/api/v1/operators/{ie_code} beside /operators/{pk}/), the search (/api/v1/operators?q=
beside /operators/?q=), and a batch verification of 1,000 codes; all over HTTP through
the test client, so the ratios include the middleware, the API's guard and rendering."""

import random
import time
from collections.abc import Callable
from functools import partial

from django.test import Client, override_settings

from tradereg.registry.models import PublishedOperator

BATCH_CODES = 1000


def _time(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    status = getattr(response, "status_code", 200)
    if status != 200:
        raise RuntimeError(f"answered {status}")
    return elapsed


def _sample(count: int, *fields: str) -> list[tuple]:
    """Random operators by id without sorting the whole table (the generated ids are
    dense); the first ones by id where they are not."""
    rng = random.Random(11)  # noqa: S311 - reproducible samples
    ids = PublishedOperator.objects.order_by("pk").values_list("pk", flat=True)
    low, high = ids.first() or 0, ids.last() or 0
    picked = rng.sample(range(low, high + 1), min(count, high - low + 1)) if high else []
    found = list(PublishedOperator.objects.filter(pk__in=picked).values_list(*fields))
    if len(found) < count:
        found = list(PublishedOperator.objects.order_by("pk").values_list(*fields)[:count])
    return found


def bench_api(
    *, client: Client, names: list[str], samples: int
) -> list[tuple[str, int, list[float], list[float]]]:
    """(label, n, API seconds, page seconds) per kind; the batch row has no page."""
    operators = _sample(samples, "pk", "ie_code")
    rows: list[tuple[str, int, list[float], list[float]]] = []
    with override_settings(
        API_RATE_ANONYMOUS_PER_MINUTE=10**9, API_BATCH_ANONYMOUS_PER_MINUTE=10**9
    ):
        for pk, ie_code in operators[:5]:  # warm up
            client.get(f"/api/v1/operators/{ie_code}")
            client.get(f"/operators/{pk}/")
        api_times, page_times = [], []
        for pk, ie_code in operators:
            api_times.append(_time(partial(client.get, f"/api/v1/operators/{ie_code}")))
            page_times.append(_time(partial(client.get, f"/operators/{pk}/")))
        rows.append(("一个经营者", len(operators), api_times, page_times))
        api_times, page_times = [], []
        for name in names[:samples]:
            api_times.append(_time(partial(client.get, "/api/v1/operators", {"q": name})))
            page_times.append(_time(partial(client.get, "/operators/", {"q": name})))
        rows.append(("名称查询", len(api_times), api_times, page_times))
        codes = "\n".join(ie_code for _pk, ie_code in _sample(BATCH_CODES, "pk", "ie_code"))
        post = partial(client.post, "/api/v1/verify/batch", codes.encode(), "text/csv")
        batch_times = [_time(post) for _ in range(5)]
        rows.append((f"批量核验 {BATCH_CODES:,} 个代码", 5, batch_times, []))
    return rows
