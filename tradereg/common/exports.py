"""Tables as CSV (UTF-8 with its BOM, so Excel reads the Chinese) and XLSX downloads.

Every text cell is made safe for spreadsheets: one starting with = + - @ (or a tab or a
carriage return) would run as a formula when the file is opened, so it gets a leading
apostrophe. Numbers stay numbers.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Row = Sequence[Any]


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a cell: None as empty, text that a spreadsheet would run quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like sink for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Row, rows: Iterable[Row]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([spreadsheet_safe(v) for v in header])
    for row in rows:
        yield writer.writerow([spreadsheet_safe(v) for v in row])


def csv_response(*, filename: str, header: Row, rows: Iterable[Row]) -> StreamingHttpResponse:
    """A streamed CSV download; ``rows`` may be a generator over a large query."""
    response = StreamingHttpResponse(
        _csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_bytes(*, title: str, header: Row, rows: Iterable[Row]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([spreadsheet_safe(v) for v in header])
    for row in rows:
        sheet.append([spreadsheet_safe(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(*, filename: str, title: str, header: Row, rows: Iterable[Row]) -> HttpResponse:
    """An XLSX download of one sheet named ``title``."""
    response = HttpResponse(
        xlsx_bytes(title=title, header=header, rows=rows), content_type=XLSX_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_response(
    *, fmt: str, filename: str, title: str, header: Row, rows: Iterable[Row]
) -> HttpResponse | StreamingHttpResponse:
    """``fmt`` is "csv" or "xlsx"; ``filename`` without its extension (ASCII)."""
    if fmt == "xlsx":
        return xlsx_response(filename=f"{filename}.xlsx", title=title, header=header, rows=rows)
    return csv_response(filename=f"{filename}.csv", header=header, rows=rows)
