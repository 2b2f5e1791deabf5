"""`make bench`: server time of the public lookup and the open-data API, the officer's queue
and search, the statistics page, the legacy import and the PDF at national scale, beside a
bare view.

Works on a separate benchmark database, never the main one: SQLite ``<DATA_DIR>/bench.sqlite3``
by default, or ``--database-url`` / ``BENCH_DATABASE_URL`` (e.g. a PostgreSQL server).
The command runs itself again in a child process whose ``DATABASE_URL`` is the benchmark
database, so every connection of that process, the cache and the rate limit included,
lives there. The first run generates the operators (a few minutes); later runs reuse them.

Each request goes through the whole middleware stack with Django's test client, in the
same process as a trivial view measured alongside, so the ratios compare like with like.
"""

import os
import subprocess
import sys
import time
import unicodedata
import warnings
from pathlib import Path
from typing import Any
from unittest import mock

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from tradereg.devtools import (
    api_bench,
    import_bench,
    office_bench,
    printing_bench,
    registry_bench,
)
from tradereg.devtools.registry_bench import summary, timed
from tradereg.registry import selectors, views

CHILD_FLAG = "TRADEREG_BENCH_CHILD"
BARE_URL = "/bench-bare/"


def bare(request: HttpRequest) -> HttpResponse:
    """The trivial view every timing is compared with."""
    return HttpResponse("ok")


# The project's URLs plus the bare view, used as ROOT_URLCONF while measuring.
urlpatterns = [path(BARE_URL.strip("/") + "/", bare), path("", include("tradereg.urls"))]


def _same_database(first: dict, second: dict) -> bool:
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    if first.get("ENGINE", "").endswith("sqlite3") and second.get("ENGINE", "").endswith("sqlite3"):
        return Path(str(first["NAME"])).resolve() == Path(str(second["NAME"])).resolve()
    return all(str(first.get(key) or "") == str(second.get(key) or "") for key in keys)


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where Chinese characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - used, 0)


class Command(BaseCommand):
    help = "在独立的基准测试数据库中生成经营者和备案，测量查询、办理队列、统计、导入和打印的耗时"

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url",
            default=os.environ.get("BENCH_DATABASE_URL", ""),
            help="benchmark database (default: sqlite:///<DATA_DIR>/bench.sqlite3)",
        )
        parser.add_argument("--operators", type=int, default=1_000_000)
        parser.add_argument("--samples", type=int, default=200, help="queries per kind")
        parser.add_argument(
            "--filings",
            type=int,
            default=200_000,
            help="filings of the busiest authority for the officer pages (0: skip)",
        )
        parser.add_argument(
            "--import-rows",
            type=int,
            default=10_000,
            help="rows of the legacy import measured beside a raw COPY (0: skip)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["operators"] <= 9_999_999:
            raise CommandError("--operators 应在 1 到 9,999,999 之间。")
        url = options["database_url"] or f"sqlite:///{Path(settings.DATA_DIR) / 'bench.sqlite3'}"
        bench_db = dj_database_url.parse(url)
        main_db = settings.DATABASES["default"]
        if os.environ.get(CHILD_FLAG) != "1":
            if _same_database(bench_db, main_db):
                raise CommandError("基准测试数据库不能是主数据库，请指定另一个 --database-url。")
            # The parent never opens a connection: the child sees only the bench database.
            argv = [sys.executable, "-m", "django", "bench", "--database-url", url]
            argv += ["--operators", str(options["operators"]), "--samples", str(options["samples"])]
            argv += ["--import-rows", str(options["import_rows"])]
            argv += ["--filings", str(options["filings"])]
            env = {**os.environ, "DATABASE_URL": url, CHILD_FLAG: "1"}
            env.setdefault("DJANGO_SETTINGS_MODULE", "tradereg.settings")
            code = subprocess.call(argv, env=env)  # noqa: S603 - our own command
            if code:
                raise CommandError(f"bench failed ({code})")
            return
        if not _same_database(bench_db, main_db):
            raise CommandError("child process is not connected to the benchmark database")
        self._run(
            options["operators"], options["samples"], options["import_rows"], options["filings"]
        )

    def _log(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _run(self, operators: int, samples: int, import_rows: int, filings: int) -> None:
        # Static files are not collected for the benchmark; whitenoise would say so.
        warnings.filterwarnings("ignore", message="No directory at")
        call_command("migrate", verbosity=0, interactive=False)
        loaded = registry_bench.bench_data_ensure(count=operators, log=self._log)
        queries = registry_bench.bench_queries(per_kind=samples)
        if connection.vendor == "sqlite":
            version = connection.Database.sqlite_version
            where = f"SQLite {version}, {connection.settings_dict['NAME']}"
        else:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                where = f"PostgreSQL {cursor.fetchone()[0]}"
        client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="192.0.2.10")
        unlimited = ((10**9, 60), (10**9, 3600))
        with (
            override_settings(ROOT_URLCONF=__name__, DEBUG=False),
            mock.patch.object(views, "RATE_LIMITS", unlimited),
        ):
            rows = self._measure(client, queries)
            names = queries["name2"] + queries["name3"]
            api_rows = api_bench.bench_api(client=client, names=names, samples=min(samples, 100))
        self._report(operators, where, loaded, rows)
        self._api_report(api_rows)
        if filings > 0:
            self._office_rows(filings, min(samples, 50), client, unlimited)
        self._printing_rows()
        if import_rows > 0:
            self._import_rows(import_rows)

    def _measure(self, client: Client, queries: dict[str, list[str]]) -> list[tuple]:
        # Warm up caches, template loading and the URL resolver.
        for kind_queries in queries.values():
            for query in kind_queries[:10]:
                client.get("/operators/", {"q": query})
        for _ in range(50):
            client.get(BARE_URL)
        bare_times, rows = [], []
        for kind, label in registry_bench.KINDS:
            query_times, view_times = [], []
            for query in queries[kind]:
                # The request before closed the connection (CONN_MAX_AGE=0): the query's
                # time is the selector's, not the connection's set-up.
                connection.ensure_connection()
                query_times.append(timed(lambda q=query: selectors.operator_search(query=q)))
                started = time.perf_counter()
                response = client.get("/operators/", {"q": query})
                view_times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise CommandError(f"/operators/?q={query} answered {response.status_code}")
                bare_times.append(timed(lambda: client.get(BARE_URL)))
            rows.append((label, len(queries[kind]), query_times, view_times))
        return [("bare", len(bare_times), [], bare_times), *rows]

    def _report(self, operators: int, where: str, loaded: dict, rows: list[tuple]) -> None:
        bare_median, bare_p95 = summary(rows[0][3])
        self._log("")
        age = connection.settings_dict.get("CONN_MAX_AGE") or 0
        self._log(f"经营者信息查询：{operators:,} 个经营者，{where}，CONN_MAX_AGE={age}")
        self._log(
            f"{_pad('', 26)}{'n':>5}  {_pad('查询 ms 中位/p95', 18)}  "
            f"{_pad('请求 ms 中位/p95', 18)}  请求÷空视图 中位/p95"
        )
        self._log(
            f"{_pad('空视图（对照）', 26)}{rows[0][1]:>5}  {_pad('', 18)}  "
            f"{bare_median:>8.2f} /{bare_p95:>7.2f}  {'1.0 / 1.0':>10}"
        )
        for label, count, query_times, view_times in rows[1:]:
            q_median, q_p95 = summary(query_times)
            v_median, v_p95 = summary(view_times)
            ratio = f"{v_median / bare_median:.1f} / {v_p95 / bare_p95:.1f}"
            self._log(
                f"{_pad(label, 26)}{count:>5}  {q_median:>8.2f} /{q_p95:>7.2f}  "
                f"{v_median:>8.2f} /{v_p95:>7.2f}  {ratio:>10}"
            )
        if loaded.get("loaded"):
            self._log(
                f"生成数据用时 {loaded['loaded']:.0f} 秒（{loaded['postings']:,} 条名称索引）。"
            )

    def _api_report(self, rows: list[tuple]) -> None:
        """The API beside the HTML page it mirrors: API ÷ page near 1 means the JSON costs
        what the page does."""
        self._log("")
        self._log("开放数据接口（HTTP，经测试客户端，与对应的网页并列）")
        self._log(
            f"{_pad('', 26)}{'n':>5}  {_pad('接口 ms 中位/p95', 18)}  "
            f"{_pad('网页 ms 中位/p95', 18)}  接口÷网页 中位/p95"
        )
        for label, count, api_times, page_times in rows:
            a_median, a_p95 = summary(api_times)
            if page_times:
                p_median, p_p95 = summary(page_times)
                page = f"{p_median:>8.2f} /{p_p95:>7.2f}"
                ratio = f"{a_median / p_median:.2f} / {a_p95 / p_p95:.2f}"
            else:
                page, ratio = _pad("—", 18), "—"
            self._log(
                f"{_pad(label, 26)}{count:>5}  {a_median:>8.2f} /{a_p95:>7.2f}  {page}  {ratio:>10}"
            )

    def _office_rows(self, filings: int, samples: int, bare_client: Client, unlimited) -> None:
        """The officer's pages over the generated filings, each beside the bare view."""
        self._log("")
        office_bench.bench_filings_ensure(count=filings, log=self._log)
        client = office_bench.officer_client()
        kinds = office_bench.office_requests(samples=samples)
        url = office_bench.statistics_url()
        with (
            override_settings(ROOT_URLCONF=__name__, DEBUG=False),
            mock.patch.object(views, "RATE_LIMITS", unlimited),
        ):
            for _label, params in kinds:
                for query in params[:3]:
                    client.get("/office/", query)
            rows, bare_times = [], []
            measured = [("/office/", label, params) for label, params in kinds]
            if url is not None:
                measured.append((url, "统计页面", [{} for _ in range(max(samples // 2, 10))]))
            for path_, label, params in measured:
                times = []
                for query in params:
                    started = time.perf_counter()
                    response = client.get(path_, query)
                    times.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise CommandError(f"{path_}?{query} answered {response.status_code}")
                    bare_times.append(timed(lambda: bare_client.get(BARE_URL)))
                rows.append((label, len(times), times))
        bare_median, bare_p95 = summary(bare_times)
        self._log(f"办理队列与统计（{filings:,} 件备案，同一备案登记机关的经办人）")
        self._log(f"{_pad('', 30)}{'n':>5}  {_pad('请求 ms 中位/p95', 18)}  请求÷空视图 中位/p95")
        self._log(
            f"{_pad('空视图（对照）', 30)}{len(bare_times):>5}  "
            f"{bare_median:>8.2f} /{bare_p95:>7.2f}  {'1.0 / 1.0':>10}"
        )
        for label, count, times in rows:
            median, p95 = summary(times)
            ratio = f"{median / bare_median:.1f} / {p95 / bare_p95:.1f}"
            self._log(f"{_pad(label, 30)}{count:>5}  {median:>8.2f} /{p95:>7.2f}  {ratio:>10}")
        if url is None:
            self._log("统计页面（/office/statistics/）尚不存在：合入后本表自动加上这一行。")

    def _printing_rows(self) -> None:
        self._log("")
        self._log(f"{_pad('打印', 26)}{'':>5}  ms 中位/p95")
        try:
            for label, median, p95 in printing_bench.bench_pdf():
                self._log(f"{_pad(label, 26)}{'':>5}  {median:>8.2f} /{p95:>7.2f}")
        except Exception as error:  # noqa: BLE001 - the lookup figures above still stand
            self._log(f"打印部分出错：{error!r}")

    def _import_rows(self, rows: int) -> None:
        self._log("")
        result = import_bench.bench_import(rows=rows, log=self._log)
        raw = (
            "原始 COPY（不检查）" if connection.vendor == "postgresql" else "原始批量写入（不检查）"
        )
        self._log(f"{_pad('', 26)}{'行/秒':>10}")
        self._log(f"{_pad(raw, 26)}{result['copy_rate']:>10,.0f}")
        self._log(f"{_pad('导入（逐行检查）', 26)}{result['import_rate']:>10,.0f}")
        per_row = result["table_rows"] / rows
        self._log(
            f"{_pad('导入÷原始写入', 26)}{result['ratio']:>10.2f}"
            f"（目标 ≥ {import_bench.TARGET_RATIO:.2f}；每行写入 {per_row:.0f} 个表行）"
        )
