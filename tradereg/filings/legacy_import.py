"""Reading and checking the legacy register (manage.py import_legacy, /office/import/).

A file is a table whose first row holds the column labels: FORM.md's labels of the form
front, plus 备案登记表编号, 进出口企业代码, 备案日期 and 备案登记机关. CSV (UTF-8 with or
without BOM, or GB18030, told apart by the bytes) or XLSX (the first sheet).

Every row is checked by ``LegacyFilingForm``: the registration form itself (``FilingForm``
and its cleaning, unchanged) with the columns only an import has. Nothing here reads the
database per row, so checking can run beside the writing (see
``filings.services.imports.legacy_import``); the reference data is read once.
"""

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from tradereg.authorities.models import Authority
from tradereg.common import codes
from tradereg.common.forms import required_messages_name_their_field
from tradereg.common.problems import problem_text
from tradereg.filings.forms import SECTION_LABELS, FilingForm
from tradereg.filings.models import Currency, IdType, Method, OperatorType, Section

CHINA = ZoneInfo("Asia/Shanghai")
# The 2004 filing measures took effect on 2004-07-01: no filing is older.
EARLIEST_APPROVAL = date(2004, 7, 1)
LEGACY_CUTOFF = date(2016, 12, 1)
SAMPLE_BYTES = 1 << 20


class TableError(Exception):
    """The file cannot be read as a table at all; the message is for the person."""


# --- columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the form field
    label: str  # the header as FORM.md writes it
    required: bool = True  # whether the header must have it
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("authority", "备案登记机关"),
    Column("method", "备案登记方式", required=False),
    Column("form_no", "备案登记表编号"),
    Column("ie_code", "进出口企业代码"),
    Column("approved_on", "备案日期", aliases=("审核通过日期", "备案登记日期")),
    Column("name_cn", "经营者中文名称"),
    Column("name_en", "经营者英文名称"),
    Column("uscc", "统一社会信用代码", required=False),
    Column("org_code", "组织机构代码", required=False),
    Column("operator_type", "经营者类型"),
    Column("residence", "住所"),
    Column("premises_cn", "经营场所（中文）"),
    Column("premises_en", "经营场所（英文）"),
    Column("phone", "联系电话"),
    Column("fax", "联系传真", required=False),
    Column("postcode", "邮政编码"),
    Column("email", "电子邮箱"),
    Column("registration_date", "工商登记注册日期"),
    Column("registration_no", "工商登记注册号", required=False),
    Column(
        "representative",
        str(SECTION_LABELS[Section.A]["representative"]),
        aliases=(str(SECTION_LABELS[Section.B]["representative"]), "法定代表人/负责人"),
    ),
    Column("id_type", "证件类型"),
    Column("id_number", "有效证件号"),
    Column(
        "capital",
        str(SECTION_LABELS[Section.A]["capital"]),
        aliases=(str(SECTION_LABELS[Section.B]["capital"]), "注册资金"),
    ),
    Column("currency", "币种"),
    Column("capital_usd", "折美元（万美元）", required=False),
    Column("remarks", "备注", required=False),
)
LABELS = {column.key: column.label for column in COLUMNS}


def _header_key(text: str) -> str:
    """Headers as typed: full-width or half-width brackets, a trailing * for required."""
    return unicodedata.normalize("NFKC", str(text or "")).strip().rstrip("*＊").strip()


_BY_HEADER = {
    _header_key(name): column for column in COLUMNS for name in (column.label, *column.aliases)
}


@dataclass(frozen=True)
class Problem:
    """One line of the report: a row (1 is the header), a column label, a message."""

    line: int
    column: str
    message: str
    form_no: str = ""
    kind: str = "error"  # error, present, differs


@dataclass(frozen=True)
class Header:
    """Which cell of a row holds which column."""

    positions: dict[str, int]
    problems: tuple[Problem, ...]
    labels: dict[str, str] = field(default_factory=dict)  # as the file writes them

    @property
    def fatal(self) -> bool:
        return any(problem.kind == "error" and problem.column for problem in self.problems)


def header_read(cells: list[str]) -> Header:
    """Map the header row; missing required columns and repeated ones make it unusable,
    unknown ones are reported and left out."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        text = _header_key(cell)
        if not text:
            continue
        column = _BY_HEADER.get(text)
        if column is None:
            problems.append(Problem(1, "", _("无法识别的列“%(name)s”，已忽略。") % {"name": text}))
        elif column.key in positions:
            problems.append(
                Problem(1, column.label, _("列“%(name)s”重复出现。") % {"name": column.label})
            )
        else:
            positions[column.key] = index
            labels[column.key] = str(cell).strip().rstrip("*＊").strip()
    for column in COLUMNS:
        if column.required and column.key not in positions:
            problems.append(Problem(1, column.label, _("缺少必需的列。")))
    if "uscc" not in positions and "org_code" not in positions:
        problems.append(
            Problem(1, LABELS["uscc"], _("至少需要“统一社会信用代码”或“组织机构代码”一列。"))
        )
    return Header(positions=positions, problems=tuple(problems), labels=labels)


# --- reading ------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person would have typed into the form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _encoding(sample: bytes) -> str:
    """UTF-8 (with or without its BOM) when the bytes decode as such, else GB18030: a
    GB18030 text of Chinese is almost never valid UTF-8."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


@dataclass
class Table:
    """The rows of a file, header first, as lists of text; ``total`` rows are expected
    (an estimate for CSV, counted from the line breaks)."""

    kind: str
    encoding: str
    total: int
    rows: Iterator[list[str]] = field(repr=False)


def table_open(source: IO[bytes]) -> Table:
    """Open an uploaded or local file, telling XLSX from CSV and the CSV's encoding."""
    sample = source.read(SAMPLE_BYTES)
    source.seek(0)
    if sample.startswith(b"PK\x03\x04"):
        return _xlsx(source)
    encoding = _encoding(sample)
    total = sample.count(b"\n")
    if len(sample) == SAMPLE_BYTES:
        total = _count_lines(source)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    first_line = sample.split(b"\n", 1)[0]
    delimiter = "\t" if first_line.count(b"\t") > first_line.count(b",") else ","
    return Table("csv", encoding, max(total - 1, 0) + 1, _csv_rows(text, encoding, delimiter))


def _count_lines(source: IO[bytes]) -> int:
    count = 0
    while chunk := source.read(SAMPLE_BYTES):
        count += chunk.count(b"\n")
    source.seek(0)
    return count


def _csv_rows(text: io.TextIOWrapper, encoding: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from reader
    except UnicodeDecodeError as error:
        raise TableError(
            _("第%(line)d行附近的内容不是有效的%(encoding)s编码，请另存为UTF-8或GB18030后重试。")
            % {"line": reader.line_num + 1, "encoding": encoding.upper()}
        ) from error
    except csv.Error as error:
        raise TableError(
            _("第%(line)d行的CSV格式有误：%(error)s") % {"line": reader.line_num, "error": error}
        ) from error


def _xlsx(source: IO[bytes]) -> Table:
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError(_("无法读取该XLSX文件，请确认文件完整且为Excel工作簿。")) from error
    sheet = book.worksheets[0]

    def rows() -> Iterator[list[str]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell_text(value) for value in values]
        finally:
            book.close()

    return Table("xlsx", "", sheet.max_row or 0, rows())


# --- checking -----------------------------------------------------------------------------


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


class NamedChoiceField(forms.Field):
    """A choice by its name (or another spelling of it) from options read once, so a row
    costs no query; it cleans to the object, as the form's ModelChoiceField does."""

    def __init__(self, *, options: dict[str, Any], names: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = options
        self.names = names

    def to_python(self, value: Any) -> Any:
        text = _key(str(value or ""))
        if not text:
            return None
        found = self.options.get(text)
        if found is None:
            shown = "、".join(self.names[:12]) + ("……" if len(self.names) > 12 else "")
            raise ValidationError(
                _("“%(value)s”不是可选的%(label)s，可选：%(names)s。")
                % {"value": text, "label": self.label, "names": shown}
            )
        return found


@dataclass(frozen=True)
class Choices:
    """The reference data a row is checked against, read from the database once."""

    authorities: dict[str, Authority]
    authority_names: list[str]
    operator_types: dict[str, OperatorType]
    currencies: dict[str, Currency]
    region_prefixes: frozenset[str]

    @classmethod
    def load(cls) -> "Choices":
        authorities: dict[str, Authority] = {}
        active = list(Authority.objects.filter(is_active=True).select_related("region"))
        for authority in active:
            authorities[authority.region.code] = authority
        for authority in active:
            authorities[authority.code] = authority
            authorities[_key(authority.name)] = authority
        types = {_key(t.name): t for t in OperatorType.objects.filter(is_active=True)}
        currencies: dict[str, Currency] = {}
        for currency in Currency.objects.all():
            currencies[currency.code] = currencies[currency.code.lower()] = currency
            currencies[_key(currency.name)] = currency
        prefixes = frozenset(Authority.objects.values_list("region__code", flat=True).distinct())
        return cls(
            authorities=authorities,
            authority_names=[a.name for a in active],
            operator_types=types,
            currencies=currencies,
            region_prefixes=frozenset(code[:4] for code in prefixes),
        )


class SharedFields(dict):
    """The fields of ``LegacyFilingForm`` for one method, shared by every row's form."""

    def __deepcopy__(self, memo: dict) -> "SharedFields":
        return self


ID_TYPES = {_key(str(label)): value for value, label in IdType.choices}
ID_TYPES.update({value: value for value, _label in IdType.choices})


IMPORT_ONLY = frozenset({"authority", "form_no", "ie_code", "approved_on"})


class LegacyFilingForm(FilingForm):
    """The registration form, with the columns only a record of the old register has.

    Every rule of ``FilingForm`` applies as it is; the only difference is that a 15-digit
    工商登记注册号 issued before the check digit (with capital letters) is accepted. The
    choice fields take names instead of ids and read no database per row.
    """

    authority = NamedChoiceField(
        options={},
        names=[],
        label=gettext_lazy("备案登记机关"),
        error_messages={"required": gettext_lazy("请填写备案登记机关的名称或行政区划代码。")},
    )
    form_no = forms.CharField(label=gettext_lazy("备案登记表编号"), max_length=20)
    ie_code = forms.CharField(label=gettext_lazy("进出口企业代码"), max_length=30)
    approved_on = forms.DateField(label=gettext_lazy("备案日期"))

    def __init__(
        self,
        data: dict[str, str],
        *,
        method: str,
        choices: Choices,
        fields: "SharedFields | None" = None,
    ) -> None:
        if fields is not None:
            # Prepared once for the file (``prepared_fields``) instead of deep-copied per
            # row: fields keep no state while they clean.
            self.base_fields = fields
        # FilingForm's own __init__ prepares the page (labels by section, the rates for
        # the page's script) with queries; none of that is a rule, so it is left out.
        forms.Form.__init__(self, data)
        self.method = method
        self.region_prefixes = choices.region_prefixes
        if fields is None:
            self._fields_prepare(choices)

    def _fields_prepare(self, choices: Choices) -> None:
        fields = self.fields
        del fields["org_code" if self.method == Method.USCC else "uscc"]
        fields["authority"].options = choices.authorities  # type: ignore[attr-defined]
        fields["authority"].names = choices.authority_names  # type: ignore[attr-defined]
        fields["operator_type"] = NamedChoiceField(
            options=choices.operator_types,
            names=[t.name for t in choices.operator_types.values()],
            label=fields["operator_type"].label,
        )
        fields["currency"] = NamedChoiceField(
            options=choices.currencies,
            names=list(dict.fromkeys(c.name for c in choices.currencies.values())),
            label=fields["currency"].label,
        )
        required_messages_name_their_field(self)

    @classmethod
    def prepared_fields(cls, *, method: str, choices: Choices) -> "SharedFields":
        return SharedFields(cls({}, method=method, choices=choices).fields)

    def _clean_fields(self) -> None:
        """Django's field cleaning without a BoundField per field (a third of the cost of
        a row): every field here reads its value straight from the row's dict, as its
        text widget would, and no field is disabled."""
        for name, form_field in self.fields.items():
            try:
                self.cleaned_data[name] = form_field.clean(self.data.get(name))
                clean = getattr(self, f"clean_{name}", None)
                if clean is not None:
                    self.cleaned_data[name] = clean()
            except ValidationError as error:
                self.add_error(name, error)

    def clean_form_no(self) -> str:
        value = codes.normalize_code(self.cleaned_data["form_no"])
        problem = codes.form_no_problem(value)
        if problem:
            raise ValidationError(problem_text(problem))
        return value

    def clean_ie_code(self) -> str:
        value = codes.normalize_code(self.cleaned_data["ie_code"])
        problem = codes.ie_code_problem(value)
        if problem:
            raise ValidationError(problem_text(problem))
        if value[:4] not in self.region_prefixes:
            raise ValidationError(
                _("进出口企业代码前4位“%(prefix)s”不是任何备案登记机关的行政区划代码。")
                % {"prefix": value[:4]}
            )
        return value

    def clean_approved_on(self) -> date:
        value = self.cleaned_data["approved_on"]
        if value > timezone.localdate():
            raise ValidationError(_("备案日期不能晚于今天。"))
        if value < EARLIEST_APPROVAL:
            raise ValidationError(_("备案日期不能早于2004年7月1日（备案登记办法施行之日）。"))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_ie_code_matches(cleaned)
        return cleaned

    def _clean_registration_no(self, cleaned: dict) -> None:
        value = cleaned.get("registration_no", "")
        if len(value) == 15 and not value.isdigit():
            problem = codes.legacy_reg_no_problem(value, letters=True)
            if problem:
                self.add_error("registration_no", problem_text(problem))
            return
        super()._clean_registration_no(cleaned)

    def _clean_ie_code_matches(self, cleaned: dict) -> None:
        """The 进出口企业代码 ends with the operator's own organisation code, wherever its
        code says what that is (FORM.md, "Numbers")."""
        ie_code = cleaned.get("ie_code")
        if not ie_code or self.errors:
            return
        registration_no = cleaned.get("registration_no", "")
        own = (
            cleaned.get("uscc", "")[8:17]
            or cleaned.get("org_code", "")
            or (registration_no[8:17] if len(registration_no) == 18 else "")
        )
        if own and ie_code[4:] != own:
            self.add_error(
                "ie_code",
                _("进出口企业代码第5至13位“%(found)s”应为该经营者的组织机构代码“%(own)s”。")
                % {"found": ie_code[4:], "own": own},
            )


@dataclass(frozen=True)
class LegacyRecord:
    """A row that passed every check, as the import writes it."""

    line: int
    authority: Authority
    method: str
    data: dict[str, Any]  # the cleaned values of the form's own fields
    form_no: str
    ie_code: str
    approved_at: datetime
    operator_code: str = ""  # set by the import (filings.services.common)

    @property
    def is_legacy(self) -> bool:
        return self.approved_at.astimezone(CHINA).date() < LEGACY_CUTOFF


_METHODS = {_key(str(label)): value for value, label in Method.choices} | {
    value: value for value, _label in Method.choices
}


class RowChecker:
    """Checks rows of one file against the header and the reference data, read once."""

    def __init__(self, header: Header, choices: Choices | None = None) -> None:
        self.header = header
        self.choices = choices or Choices.load()
        self.fields = {
            method: LegacyFilingForm.prepared_fields(method=method, choices=self.choices)
            for method in Method.values
        }

    def values(self, cells: list[str]) -> dict[str, str]:
        return {
            key: (cells[index].strip() if index < len(cells) else "")
            for key, index in self.header.positions.items()
        }

    def check(self, line: int, cells: list[str]) -> LegacyRecord | list[Problem]:
        """The record of a good row, or every problem of a bad one."""
        raw = self.values(cells)
        form_no = codes.normalize_code(raw.get("form_no", ""))
        method, problems = self._method(line, raw, form_no)
        id_type = ID_TYPES.get(_key(raw.get("id_type", "")))
        if id_type:
            raw["id_type"] = id_type
        form = LegacyFilingForm(
            raw, method=method, choices=self.choices, fields=self.fields[method]
        )
        if problems or not form.is_valid():
            for name, errors in form.errors.items():
                column = self._label(name)
                problems += [Problem(line, column, str(e), form_no) for e in errors]
            return problems
        cleaned = form.cleaned_data
        data = {name: value for name, value in cleaned.items() if name not in IMPORT_ONLY}
        approved_at = datetime.combine(cleaned["approved_on"], time(0), tzinfo=CHINA)
        return LegacyRecord(
            line=line,
            authority=cleaned["authority"],
            method=method,
            data=data,
            form_no=cleaned["form_no"],
            ie_code=cleaned["ie_code"],
            approved_at=approved_at,
        )

    def _method(self, line: int, raw: dict[str, str], form_no: str) -> tuple[str, list[Problem]]:
        """备案登记方式 as written, or as the codes show: a USCC means 统一社会信用代码."""
        written = _key(raw.get("method", ""))
        if written:
            method = _METHODS.get(written)
            if method is None:
                message = _("备案登记方式应为“统一社会信用代码”或“其他”。")
                return Method.OTHER, [Problem(line, LABELS["method"], message, form_no)]
            return method, []
        return (Method.USCC if raw.get("uscc") else Method.OTHER), []

    def _label(self, name: str) -> str:
        if name == "__all__":
            return ""
        return self.header.labels.get(name) or LABELS.get(name, name)


def report_columns() -> list[str]:
    return [_("行号"), _("备案登记表编号"), _("结果"), _("列"), _("说明")]


KIND_LABELS = {
    "error": gettext_lazy("错误"),
    "present": gettext_lazy("已存在"),
    "differs": gettext_lazy("与已有数据不一致"),
}


def _cell(text: str) -> str:
    """Text a spreadsheet will not run: a cell of the file starting with = + - @ would be
    a formula when the report is opened in Excel, so it is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_row(problem: Problem) -> list[str]:
    return [
        str(problem.line),
        _cell(problem.form_no),
        str(KIND_LABELS[problem.kind]),
        _cell(problem.column),
        _cell(problem.message),
    ]
