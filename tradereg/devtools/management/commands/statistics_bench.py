"""`manage.py statistics_bench`: the statistics page at national scale (docs/bench.md).

Run it against a PostgreSQL benchmark database (``DATABASE_URL``), never the main one: it
replaces the statistics rollup by a synthetic one of every authority (``--events``, drawn
by PostgreSQL in a minute or two at ten million), then times the page for an officer, a
supervisor and the 系统管理员. ``--reuse`` keeps the rollup an earlier run drew.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tradereg.devtools import statistics_bench


class Command(BaseCommand):
    help = "在基准数据库中生成全国统计汇总并测量统计页面"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=10_900_000)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--reuse", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["reuse"]:
            statistics_bench.national_rollup_generate(
                events=options["events"], log=self.stdout.write
            )
        self.stdout.write(f"{'':24}{'':28}{'selector ms':>12}{'page ms':>10}")
        for reader, label, selector, page in statistics_bench.statistics_timings(
            runs=options["runs"]
        ):
            self.stdout.write(f"{reader:24}{label:28}{selector:>12.0f}{page:>10.0f}")
