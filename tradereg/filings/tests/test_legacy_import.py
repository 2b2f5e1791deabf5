"""The legacy register brought in: every row checked by the form's rules, its own numbers
kept, a per-row report, idempotent, and nothing written by a dry run (issue 10)."""

import io
import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from tradereg.audit.models import AuditEvent
from tradereg.common import codes
from tradereg.filings import services
from tradereg.filings.forms import FilingForm
from tradereg.filings.legacy_import import LABELS
from tradereg.filings.models import (
    Currency,
    Filing,
    FilingEvent,
    FilingRevision,
    IdType,
    Method,
    OperatorType,
    Sequence,
    Status,
)
from tradereg.filings.services.imports import legacy_import
from tradereg.filings.tests.factories import authority, filing_data, make_filing
from tradereg.filings.tests.legacy_files import (
    HEADER,
    csv_bytes,
    individual_row,
    legacy_row,
    report_lines,
    xlsx_bytes,
)
from tradereg.registry.models import OperatorNameGram, PublishedForm, PublishedOperator

pytestmark = pytest.mark.usefixtures("reference_data")

REQUIRED = "请填写住所。"  # the field named in its own words


def run(data: bytes, **options):
    report = io.StringIO()
    summary = legacy_import(source=io.BytesIO(data), report=report, **options)
    return summary, report_lines(report.getvalue())


def problems(lines) -> list[tuple[int, str, str]]:
    return [(int(line["行号"]), line["列"], line["说明"]) for line in lines]


def stored() -> dict[str, object]:
    """Everything an import may write."""
    return {
        "filings": Filing.objects.count(),
        "revisions": FilingRevision.objects.count(),
        "events": FilingEvent.objects.count(),
        "operators": PublishedOperator.objects.count(),
        "forms": PublishedForm.objects.count(),
        "postings": OperatorNameGram.objects.count(),
        "audit": AuditEvent.objects.count(),
        "sequences": sorted(Sequence.objects.values_list("name", "value")),
    }


ENCODINGS = {
    "csv-utf8": lambda rows: csv_bytes(rows, encoding="utf-8"),
    "csv-utf8-bom": lambda rows: csv_bytes(rows, encoding="utf-8-sig"),
    "csv-gb18030": lambda rows: csv_bytes(rows, encoding="gb18030"),
    "xlsx": xlsx_bytes,
}


@pytest.mark.parametrize("kind", ENCODINGS)
def test_good_rows_become_approved_legacy_filings_with_their_own_numbers(kind):
    rows = [legacy_row(), legacy_row(备案日期="2017-03-02"), individual_row()]
    summary, lines = run(ENCODINGS[kind](rows))
    assert (summary.rows, summary.created, summary.invalid, summary.fatal) == (3, 3, 0, "")
    assert lines == []
    for row in rows:
        filing = Filing.objects.select_related("approved_revision").get(
            form_no=row["备案登记表编号"]
        )
        revision = filing.approved_revision
        assert filing.status == Status.APPROVED
        assert filing.owner is None
        assert filing.ie_code == row["进出口企业代码"]
        assert timezone.localtime(filing.approved_at).date() == date.fromisoformat(row["备案日期"])
        assert filing.is_legacy == (row["备案日期"] < "2016-12-01")
        assert filing.current_revision_id == revision.pk
        assert revision.kind == FilingRevision.Kind.IMPORT
        assert revision.name_cn == row["经营者中文名称"]
        assert revision.authority.name == "北京市商务局"
        assert revision.id_number == row["有效证件号"]
        assert revision.capital == Decimal("500")
        assert revision.capital_usd == Decimal("500") * Currency.objects.get(code="CNY").usd_rate
        assert codes.is_valid_system_no(filing.system_no)
        assert filing.events.get().kind == FilingEvent.Kind.IMPORTED
        published = PublishedOperator.objects.get(filing_id=filing.pk)
        assert (published.form_no, published.ie_code) == (filing.form_no, filing.ie_code)
        assert PublishedForm.objects.get(filing_id=filing.pk).form_no == filing.form_no
    individual = Filing.objects.get(form_no=rows[2]["备案登记表编号"])
    assert individual.operator_code == rows[2]["工商登记注册号"]
    assert individual.approved_revision.method == Method.OTHER


def test_one_audit_event_per_batch_and_one_with_the_counts():
    rows = [legacy_row() for _ in range(5)]
    run(csv_bytes(rows), batch_size=2)
    batches = AuditEvent.objects.filter(event="filing_imported").order_by("pk")
    assert [event.data["count"] for event in batches] == [2, 2, 1]
    assert [n for e in batches for n in e.data["form_nos"]] == [r["备案登记表编号"] for r in rows]
    finished = AuditEvent.objects.get(event="legacy_import_finished")
    assert (finished.data["rows"], finished.data["created"]) == (5, 5)


def test_each_bad_row_is_reported_by_row_column_and_message():
    good = legacy_row()
    wrong_check = legacy_row()
    wrong_check["统一社会信用代码"] = wrong_check["统一社会信用代码"][:17] + (
        "1" if wrong_check["统一社会信用代码"][17] != "1" else "2"
    )
    rows = [
        good,
        wrong_check,
        legacy_row(经营者英文名称="Beijing Ｔrade Co., Ltd."),
        legacy_row(住所=""),
        legacy_row(备案登记机关="北京市外贸局"),
        legacy_row(备案登记表编号=good["备案登记表编号"]),
        legacy_row(备案登记表编号="1234567"),
        legacy_row(进出口企业代码="1100D2143569X"),
        legacy_row(备案日期="2003-01-01"),
        legacy_row(工商登记注册号="110108000000017"),
        legacy_row(邮政编码="10006"),
    ]
    summary, lines = run(csv_bytes(rows))
    assert (summary.created, summary.invalid) == (1, 10)
    own = rows[7]["统一社会信用代码"][8:17]
    assert problems(lines) == [
        (3, "统一社会信用代码", codes.CHECK_FAILED),
        (4, "经营者英文名称", "第9个字符“Ｔ”是全角或非英文字符，请使用英文半角字符"),
        (5, "住所", REQUIRED),
        (
            6,
            "备案登记机关",
            lines[3]["说明"],
        ),
        (7, "备案登记表编号", "与第2行的备案登记表编号重复。"),
        (8, "备案登记表编号", "备案登记表编号应为8位数字，当前为7位"),
        (
            9,
            "进出口企业代码",
            f"进出口企业代码第5至13位“D2143569X”应为该经营者的组织机构代码“{own}”。",
        ),
        (10, "备案日期", "备案日期不能早于2004年7月1日（备案登记办法施行之日）。"),
        (11, "工商登记注册号", codes.CHECK_FAILED),
        (12, "邮政编码", "邮政编码应为6位数字。"),
    ]
    assert lines[3]["说明"].startswith("“北京市外贸局”不是可选的备案登记机关，可选：")
    assert all(line["结果"] == "错误" for line in lines)
    assert lines[0]["备案登记表编号"] == wrong_check["备案登记表编号"]
    assert list(Filing.objects.values_list("form_no", flat=True)) == [good["备案登记表编号"]]


def _form_errors(row: dict[str, str]) -> dict[str, list[str]]:
    """The registration form's own answer to a row typed into it."""
    method = Method.USCC if row["统一社会信用代码"] else Method.OTHER
    by_label = {label: key for key, label in LABELS.items()}
    data = {by_label[label]: value for label, value in row.items() if label in by_label}
    data["operator_type"] = OperatorType.objects.get(name=row["经营者类型"]).pk
    data["currency"] = Currency.objects.get(name=row["币种"]).pk
    data["id_type"] = next(v for v, label in IdType.choices if label == row["证件类型"])
    form = FilingForm(data, method=method)
    form.is_valid()
    return {LABELS[name]: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize(
    "change",
    [
        {"经营者英文名称": "Ｂeijing Trade"},
        {"经营场所（英文）": "No. 1 王府井"},
        {"邮政编码": "1000６"},
        {"联系电话": "call me"},
        {"电子邮箱": "not-an-address"},
        {"工商登记注册日期": "1949-09-30"},
        {"有效证件号": "110105194912310021"},
        {"注册资金（万元）": "-1"},
        {"经营者中文名称": "Beijing Only"},
        {"经营者类型": "私营企业", "工商登记注册号": "9111"},
    ],
)
def test_the_import_answers_as_the_registration_form_does(change):
    """Same rules, not copies: a row is refused on exactly the columns, with exactly the
    messages, that the form shows for the same values."""
    row = legacy_row(**change)
    _summary, lines = run(csv_bytes([row]))
    expected = _form_errors(row)
    assert expected, "the change should break a rule of the form"
    found: dict[str, list[str]] = {}
    for line in lines:
        found.setdefault(line["列"], []).append(line["说明"])
    assert found == expected


def test_what_the_form_accepts_the_import_accepts_and_stores_as_the_form_cleans_it():
    """Lower case and full-width characters in codes and numbers are typed every day with
    a Chinese IME; the form cleans them, and so does the import."""
    row = legacy_row()
    row["统一社会信用代码"] = row["统一社会信用代码"].lower()
    row["工商登记注册号"] = "".join(
        chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in row["工商登记注册号"]
    )
    row["邮政编码"] = "１００００６"
    row["有效证件号"] = row["有效证件号"].lower()
    row["进出口企业代码"] = row["进出口企业代码"].lower()
    assert _form_errors(row) == {}
    summary, lines = run(csv_bytes([row]))
    assert (summary.created, lines) == (1, [])
    revision = FilingRevision.objects.get(filing__form_no=row["备案登记表编号"])
    assert revision.uscc == row["统一社会信用代码"].upper()
    assert revision.registration_no == revision.uscc
    assert revision.postcode == "100006"


def test_a_legacy_registration_number_with_letters_is_accepted_for_import_only():
    row = individual_row(工商登记注册号="11010800A00016K")
    assert "工商登记注册号" in _form_errors(row)
    summary, lines = run(csv_bytes([row]))
    assert (summary.created, lines) == (1, [])
    filing = Filing.objects.get(form_no=row["备案登记表编号"])
    assert filing.approved_revision.registration_no == "11010800A00016K"
    assert filing.operator_code == "11010800A00016K"
    # Letters outside A–Z, or a digits-only number with a wrong check, are still refused.
    _summary, lines = run(
        csv_bytes(
            [
                individual_row(工商登记注册号="11010800A0001_K"),
                individual_row(工商登记注册号="110108000000017"),
            ]
        )
    )
    assert [line["列"] for line in lines] == ["工商登记注册号", "工商登记注册号"]
    assert lines[0]["说明"] == "第14位字符“_”应为数字或大写字母"


def test_reimporting_the_same_file_creates_nothing_and_reports_each_row_present():
    rows = [legacy_row(), legacy_row(), individual_row()]
    data = csv_bytes(rows)
    run(data)
    before = stored()
    summary, lines = run(data)
    assert (summary.created, summary.present, summary.invalid) == (0, 3, 0)
    assert [(line["行号"], line["结果"]) for line in lines] == [
        ("2", "已存在"),
        ("3", "已存在"),
        ("4", "已存在"),
    ]
    after = stored()
    assert after.pop("audit") == before.pop("audit") + 1  # legacy_import_finished only
    assert after == before


def test_a_row_that_differs_from_what_is_stored_is_reported_and_not_overwritten():
    row = legacy_row()
    run(csv_bytes([row]))
    changed = dict(row, 住所="北京市西城区金融街9号", 联系电话="010-88886666")
    summary, lines = run(csv_bytes([changed]))
    assert (summary.created, summary.present, summary.differing) == (0, 0, 1)
    assert problems(lines) == [
        (2, "住所", "与系统中已有的数据不一致（系统中为“北京市东城区王府井大街1号”），未覆盖。"),
        (2, "联系电话", "与系统中已有的数据不一致（系统中为“010-65120000”），未覆盖。"),
    ]
    assert {line["结果"] for line in lines} == {"与已有数据不一致"}
    revision = Filing.objects.get(form_no=row["备案登记表编号"]).approved_revision
    assert (revision.residence, revision.phone) == ("北京市东城区王府井大街1号", "010-65120000")
    assert PublishedOperator.objects.get(form_no=row["备案登记表编号"]).phone == "010-65120000"


def test_a_dry_run_checks_everything_and_writes_nothing():
    rows = [legacy_row(), legacy_row(住所=""), individual_row()]
    before = stored()
    summary, lines = run(csv_bytes(rows), dry_run=True)
    assert (summary.created, summary.invalid) == (2, 1)
    assert problems(lines) == [(3, "住所", REQUIRED)]
    assert stored() == before


def test_an_operator_already_on_the_register_is_not_imported_twice():
    filing = make_filing(status=Status.APPROVED)
    revision = filing.approved_revision
    row = legacy_row(统一社会信用代码=revision.uscc, 工商登记注册号=revision.uscc)
    row["进出口企业代码"] = "1100" + revision.uscc[8:17]
    summary, lines = run(csv_bytes([row]))
    assert summary.invalid == 1
    assert problems(lines) == [
        (
            2,
            "统一社会信用代码",
            f"该经营者已有备案（备案登记表编号 {filing.form_no}），不能重复导入。",
        )
    ]


def test_same_operator_or_code_twice_in_one_file_keeps_the_first():
    first = legacy_row()
    same_operator = legacy_row(
        统一社会信用代码=first["统一社会信用代码"],
        工商登记注册号=first["统一社会信用代码"],
        进出口企业代码="4403" + first["统一社会信用代码"][8:17],
    )
    same_ie_code = legacy_row()
    same_ie_code["进出口企业代码"] = first["进出口企业代码"]
    same_ie_code["统一社会信用代码"] = same_ie_code["工商登记注册号"] = first["统一社会信用代码"]
    summary, lines = run(csv_bytes([first, same_operator]))
    assert problems(lines) == [(3, "统一社会信用代码", "与第2行是同一经营者。")]
    assert summary.created == 1


def test_numbers_an_import_used_are_never_handed_out_again():
    row = legacy_row(备案登记表编号="09000000")
    single = individual_row()
    gt_value = int(single["进出口企业代码"][6:12])
    run(csv_bytes([row, single]))
    approved = make_filing(status=Status.APPROVED)
    assert int(approved.form_no) > 9_000_000
    individual = services.filing_import(
        authority=authority("110000"),
        method=Method.OTHER,
        data=filing_data(
            uscc="",
            org_code="",
            operator_type=OperatorType.objects.get(name="个体工商户（独资经营者）"),
            registration_no=codes.generate_legacy_reg_no(random.Random(5)),
        ),
        approved_at=timezone.now(),
    )
    assert individual.ie_code[4:6] == "GT"
    assert int(individual.ie_code[6:12]) > gt_value


def test_a_file_without_a_required_column_is_refused_whole():
    rows = [legacy_row()]
    header = [label for label in HEADER if label != "邮政编码"] + ["传真号码"]
    summary, lines = run(_without(rows, header))
    assert summary.fatal == "表头不完整，未导入任何数据。"
    assert problems(lines) == [
        (1, "", "无法识别的列“传真号码”，已忽略。"),
        (1, "邮政编码", "缺少必需的列。"),
    ]
    assert not Filing.objects.exists()


def _without(rows, header) -> bytes:
    return csv_bytes([{k: v for k, v in r.items() if k in header} for r in rows], header=header)


SECTION_B = {
    "企业法定代表人姓名": "企业法定代表人/个体工商负责人姓名",
    "注册资金（万元）": "企业资产/个人财产（万元）",
}


def test_the_section_b_labels_are_read_as_the_same_columns():
    row = {SECTION_B.get(label, label): value for label, value in individual_row().items()}
    header = [SECTION_B.get(label, label) for label in HEADER]
    summary, lines = run(csv_bytes([row], header=header))
    assert (summary.created, lines) == (1, [])


def test_a_file_that_is_neither_csv_nor_a_workbook_is_reported():
    summary, lines = run(b"PK\x03\x04 not really a workbook")
    assert summary.fatal == "无法读取该XLSX文件，请确认文件完整且为Excel工作簿。"
    assert problems(lines) == [(1, "", summary.fatal)]


def test_the_command_prints_progress_and_writes_a_report_excel_opens(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([legacy_row(), legacy_row(住所="")], encoding="gb18030"))
    out = io.StringIO()
    call_command("import_legacy", str(path), stdout=out)
    text = out.getvalue()
    assert "共 2 行：新建 1，已存在 0，与已有数据不一致 0，有误 1" in text
    assert "2 / 2 行" in text
    report = (tmp_path / "register.report.csv").read_bytes()
    assert report.startswith(b"\xef\xbb\xbf")
    assert problems(report_lines(report.decode("utf-8"))) == [(3, "住所", REQUIRED)]

    dry = io.StringIO()
    elsewhere = tmp_path / "check.csv"
    call_command("import_legacy", str(path), "--dry-run", "--report", str(elsewhere), stdout=dry)
    assert "试运行：未写入任何数据。" in dry.getvalue()
    assert "已存在 1" in dry.getvalue()
    assert elsewhere.exists()


def test_a_batch_the_database_refuses_is_written_row_by_row():
    """Another writer took a code between the check and the write: only that row fails."""
    rows = [legacy_row(), legacy_row()]
    taken = rows[1]
    original = services.imports._Batch._sort

    def sort_then_take(batch, records, seen):
        original(batch, records, seen)
        make_filing(
            status=Status.APPROVED,
            uscc=taken["统一社会信用代码"],
            registration_no=taken["统一社会信用代码"],
        )

    services.imports._Batch._sort = sort_then_take
    try:
        summary, lines = run(csv_bytes(rows))
    finally:
        services.imports._Batch._sort = original
    assert (summary.created, summary.invalid) == (1, 1)
    assert problems(lines) == [
        (3, "备案登记表编号", "与系统中已有的备案冲突（编号或代码已被占用）。")
    ]
    assert Filing.objects.filter(form_no=rows[0]["备案登记表编号"]).exists()


def test_the_report_never_hands_excel_a_formula():
    row = legacy_row(备案登记表编号="=HYPERLINK(1)")
    _summary, lines = run(csv_bytes([row]))
    assert lines[0]["备案登记表编号"] == "'=HYPERLINK(1)"
    assert all(
        not value.startswith(("=", "+", "-", "@")) for line in lines for value in line.values()
    )
