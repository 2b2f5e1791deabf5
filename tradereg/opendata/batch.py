"""Batch verification: a CSV of codes in, each code's public status out, read from the
registry's published copy in a few IN queries whatever the number of rows.

A code is a verification code (10, as printed under the QR code), a 进出口企业代码 (13)
or a 统一社会信用代码 (18), in the first column, normalised as every lookup does
(full-width, spaces, hyphens, lower case). The first row is a header when it is not a
code of any kind. The API (api_batch) and the page (views_batch) share this module.
"""

import csv
import io
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from tradereg.common.codes import normalize_code
from tradereg.printing.selectors import Result
from tradereg.registry.models import PublishedForm, PublishedOperator
from tradereg.registry.services import CODE_ALPHABET, CODE_LENGTH

MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024  # 10,000 USCCs with a few columns beside them fit ten times
CHUNK = 2000  # codes per IN query: well inside SQLite's and PostgreSQL's bound parameters

VERIFICATION_CODE = "verification_code"
IE_CODE = "ie_code"
USCC = "uscc"
UNRECOGNISED = "unrecognised"
NOT_FOUND = "not_found"

T = TypeVar("T")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_STATUS_ZH = {
    Result.CURRENT: "有效",
    Result.SUPERSEDED: "已被变更取代",
    Result.CANCELLED: "已注销",
    PublishedOperator.Status.APPROVED: "已备案",
    PublishedOperator.Status.CANCELLED: "已注销",
    NOT_FOUND: "未找到",
    UNRECOGNISED: "无法识别",
}
# The JSON and the signed receipt say the words above in Chinese whatever the request's
# language; the page and the CSV a person reads say these, in the visitor's language.
STATUS_LABELS = {
    Result.CURRENT: pgettext_lazy("batch verdict", "有效"),
    Result.SUPERSEDED: gettext_lazy("已被变更取代"),
    Result.CANCELLED: gettext_lazy("已注销"),
    PublishedOperator.Status.APPROVED: gettext_lazy("已备案"),
    PublishedOperator.Status.CANCELLED: gettext_lazy("已注销"),
    NOT_FOUND: gettext_lazy("未找到"),
    UNRECOGNISED: gettext_lazy("无法识别"),
}
KIND_LABELS = {
    VERIFICATION_CODE: gettext_lazy("核验码"),
    IE_CODE: gettext_lazy("进出口企业代码"),
    USCC: gettext_lazy("统一社会信用代码"),
}


class BatchRefused(Exception):
    """The upload as a whole cannot be answered; ``code`` is stable, the messages say why.

    ``zh`` and ``en`` are the API's, whatever the request's language; ``message`` is the
    page's, in the visitor's language. ``zh`` is given as the catalogue's message."""

    def __init__(
        self, *, status: int, code: str, zh: str, en: str, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.en = status, code, en
        self.zh = zh % (params or {})
        self.message = _(zh) % (params or {})


@dataclass(frozen=True)
class Code:
    line: int
    typed: str
    code: str
    kind: str


def _kind(code: str) -> tuple[str, str]:
    """(kind, code as looked up) of one normalised value."""
    if code.isascii() and code.isalnum():
        if len(code) == CODE_LENGTH:
            candidate = code.translate(_LOOKALIKES)
            if all(char in CODE_ALPHABET for char in candidate):
                return VERIFICATION_CODE, candidate
        if len(code) == 13:
            return IE_CODE, code
        if len(code) == 18:
            return USCC, code
    return UNRECOGNISED, code


def _text(data: bytes) -> str:
    if not data.strip():
        raise BatchRefused(
            status=422,
            code="file_empty",
            zh=gettext_noop("上传的文件是空的。"),
            en="The file is empty.",
        )
    if len(data) > MAX_BYTES:
        raise BatchRefused(
            status=413,
            code="file_too_large",
            zh=gettext_noop("文件过大，每次核验的文件不能超过 %(mb)d MB。"),
            params={"mb": MAX_BYTES // 2**20},
            en=f"The file is larger than {MAX_BYTES // 2**20} MB.",
        )
    if b"\x00" in data:
        raise BatchRefused(
            status=422,
            code="file_not_text",
            zh=gettext_noop("文件不是CSV文本文件，请上传每行一个代码的CSV文件。"),
            en="The file is not a CSV text file.",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BatchRefused(
        status=422,
        code="file_encoding",
        zh=gettext_noop("无法识别文件的编码，请另存为UTF-8或GB18030编码的CSV文件。"),
        en="The file is neither UTF-8 nor GB18030.",
    )


def codes_parse(data: bytes) -> list[Code]:
    """The codes of an upload, in order; refuses an empty, binary, undecodable or
    oversized file and more than ``MAX_ROWS`` codes."""
    codes: list[Code] = []
    first = True
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            typed = row[0].strip()
            kind, code = _kind(normalize_code(typed))
            if first and kind == UNRECOGNISED:
                first = False
                continue  # the header
            first = False
            codes.append(Code(line=reader.line_num, typed=typed, code=code, kind=kind))
            if len(codes) > MAX_ROWS:
                break
    except csv.Error:
        raise BatchRefused(
            status=422,
            code="file_not_csv",
            zh=gettext_noop("文件不是有效的CSV文件。"),
            en="The file is not valid CSV.",
        ) from None
    if not codes:
        raise BatchRefused(
            status=422,
            code="file_empty",
            zh=gettext_noop(
                "文件中没有代码：请每行填写一个核验码、进出口企业代码或统一社会信用代码。"
            ),
            en="The file holds no code.",
        )
    if len(codes) > MAX_ROWS:
        raise BatchRefused(
            status=413,
            code="too_many_rows",
            zh=gettext_noop("每次最多核验 %(max)d 条，请拆分文件后分批上传。"),
            params={"max": MAX_ROWS},
            en=f"At most {MAX_ROWS} codes per request; split the file.",
        )
    return codes


def _chunks(values: list[T]) -> list[list[T]]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _operators(field: str, values: set[str]) -> dict[str, PublishedOperator]:
    """The operator each value stands for: an approved one before a cancelled one, the
    newest approval first (as operator_by_ie_code)."""
    chosen: dict[str, PublishedOperator] = {}
    for chunk in _chunks(sorted(values)):
        rows = (
            PublishedOperator.objects.filter(**{f"{field}__in": chunk})
            .only(field, "ie_code", "name_cn", "approved_at", "status")
            .order_by("-status", "approved_at", "pk")
        )
        for operator in rows:
            chosen[getattr(operator, field)] = operator  # the last one wins: the preferred
    return chosen


def _forms(codes: set[str]) -> tuple[dict[str, PublishedForm], dict[int, PublishedOperator]]:
    forms: dict[str, PublishedForm] = {}
    for chunk in _chunks(sorted(codes)):
        for form in PublishedForm.objects.filter(code__in=chunk).only(
            "code", "filing_id", "revision_number", "ie_code", "name_cn", "approved_at"
        ):
            forms[form.code] = form
    filings = sorted({form.filing_id for form in forms.values()})
    operators: dict[int, PublishedOperator] = {}
    for ids in _chunks(filings):
        for operator in PublishedOperator.objects.filter(filing_id__in=ids).only(
            "filing_id", "revision_number", "status"
        ):
            operators[operator.filing_id] = operator
    return forms, operators


def _row(code: Code, status: str, source: PublishedForm | PublishedOperator | None) -> dict:
    return {
        "line": code.line,
        "input": code.typed,
        "code": code.code,
        "kind": code.kind,
        "found": source is not None,
        "status": status,
        "status_zh": _STATUS_ZH[status],
        "name_cn": source.name_cn if source else None,
        "ie_code": source.ie_code if source else None,
        "approved_on": timezone.localdate(source.approved_at).isoformat() if source else None,
    }


def batch_rows(*, codes: list[Code]) -> list[dict[str, Any]]:
    """Each code's answer as of now, public fields only (never an ID number), read in IN
    queries of ``CHUNK`` codes: one per chunk of each kind, and one for the operators of
    the forms found."""
    by_kind: dict[str, set[str]] = {VERIFICATION_CODE: set(), IE_CODE: set(), USCC: set()}
    for code in codes:
        if code.kind in by_kind:
            by_kind[code.kind].add(code.code)
    forms, form_operators = _forms(by_kind[VERIFICATION_CODE])
    by_ie_code = _operators("ie_code", by_kind[IE_CODE])
    by_uscc = _operators("uscc", by_kind[USCC])
    rows = []
    for code in codes:
        if code.kind == VERIFICATION_CODE:
            form = forms.get(code.code)
            operator = form_operators.get(form.filing_id) if form else None
            if form is None or operator is None:
                rows.append(_row(code, NOT_FOUND, None))
            elif operator.status == PublishedOperator.Status.CANCELLED:
                rows.append(_row(code, Result.CANCELLED, form))
            elif operator.revision_number == form.revision_number:
                rows.append(_row(code, Result.CURRENT, form))
            else:
                rows.append(_row(code, Result.SUPERSEDED, form))
        elif code.kind in (IE_CODE, USCC):
            found = (by_ie_code if code.kind == IE_CODE else by_uscc).get(code.code)
            rows.append(_row(code, found.status if found else NOT_FOUND, found))
        else:
            rows.append(_row(code, UNRECOGNISED, None))
    return rows


def batch_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows are valid (current form or registered operator), superseded,
    cancelled, not found and unrecognised."""
    valid = {Result.CURRENT, PublishedOperator.Status.APPROVED}
    counts = {"total": len(rows), "valid": 0, "superseded": 0, "cancelled": 0}
    counts.update({"not_found": 0, "unrecognised": 0})
    for row in rows:
        status = row["status"]
        key = "valid" if status in valid else status
        counts[key] += 1
    return counts


CSV_HEADER = [
    gettext_lazy("行号"),
    gettext_lazy("输入"),
    gettext_lazy("代码"),
    gettext_lazy("类型"),
    gettext_lazy("结果"),
    gettext_lazy("经营者名称"),
    gettext_lazy("进出口企业代码"),
    gettext_lazy("备案日期"),
]


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """The answer as CSV for a spreadsheet (UTF-8 with BOM, which Excel needs for Chinese),
    headed and worded in the language of the request."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                row["line"],
                _safe_cell(row["input"]),
                row["code"],
                KIND_LABELS.get(row["kind"], "—"),
                STATUS_LABELS[row["status"]],
                _safe_cell(row["name_cn"] or ""),
                row["ie_code"] or "",
                row["approved_on"] or "",
            ]
        )
    return "\ufeff" + out.getvalue()


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
