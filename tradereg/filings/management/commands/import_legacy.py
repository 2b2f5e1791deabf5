"""`manage.py import_legacy PATH [--dry-run] [--report REPORT.csv]`: the legacy register.

The report is a CSV in UTF-8 with its BOM (so Excel opens it as Chinese), one line per
problem: the row number as the spreadsheet shows it, the 备案登记表编号, the result, the
column and the message. By default it is written beside the file as ``<name>.report.csv``.
"""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tradereg.filings.services.imports import ImportSummary, legacy_import


class Command(BaseCommand):
    help = (
        "导入历史备案登记数据（CSV：UTF-8/GB18030，或 XLSX），按备案登记表的规则逐行检查，"
        "并输出问题报告。重复导入同一文件不会重复建立备案。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV or XLSX file of the legacy register")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--report", help="where to write the report (CSV, UTF-8 with BOM)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        report_path = Path(options["report"] or path.with_name(f"{path.stem}.report.csv"))
        started = time.perf_counter()
        created = "可新建" if options["dry_run"] else "新建"

        def progress(summary: ImportSummary, total: int) -> None:
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"  {summary.rows:,} / {total:,} 行，{created} {summary.created:,}，"
                f"已存在 {summary.present:,}，不一致 {summary.differing:,}，"
                f"有误 {summary.invalid:,}（{seconds:.0f} 秒）"
            )
            self.stdout.flush()

        dry = options["dry_run"]
        self.stdout.write(f"{'检查' if dry else '导入'} {path} ……")
        with (
            path.open("rb") as source,
            report_path.open("w", encoding="utf-8-sig", newline="") as report,
        ):
            summary = legacy_import(
                source=source,
                report=report,
                dry_run=dry,
                progress=progress,
                file_name=path.name,
            )
        seconds = time.perf_counter() - started
        rate = summary.rows / seconds if seconds else 0
        self.stdout.write(
            f"共 {summary.rows:,} 行：{created} {summary.created:,}，已存在 {summary.present:,}，"
            f"与已有数据不一致 {summary.differing:,}，有误 {summary.invalid:,}；"
            f"用时 {seconds:.1f} 秒（{rate:,.0f} 行/秒）。"
        )
        if dry:
            self.stdout.write("试运行：未写入任何数据。")
        self.stdout.write(f"报告：{report_path}（{summary.problems:,} 条）")
        if summary.fatal:
            raise CommandError(summary.fatal)
