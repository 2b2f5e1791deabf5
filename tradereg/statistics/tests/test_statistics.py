"""统计 from a known history: every number on the page and in both exports, per scope.

The history (``history.py``) is walked through the real services at given dates; the
expected figures below are counted by hand from it. Columns: 新备案, 变更, 审核通过, 退回,
注销, the median working days from report to decision, and the per cent decided within
five working days.
"""

import csv
import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings.figures import figures_count
from tradereg.filings.models import OperatorType
from tradereg.filings.tests.factories import PASSWORD, authority
from tradereg.statistics.models import ROLLUPS, Figure, Span
from tradereg.statistics.services import FigureKey

from .history import at, history_build
from .rollups import all_rows, full_rows, sums_check

pytestmark = pytest.mark.usefixtures("reference_data")

RANGE = {"date_from": "2025-03-01", "date_to": "2025-05-31"}
TABLES = ("month", "authority", "type")

# label, 新备案, 变更, 审核通过, 退回, 注销, median, share within the limit
SHENZHEN = {
    "month": [
        ("2025-03", 3, 0, 2, 1, 0, "5", "66.7"),  # A 5 days, B returned 7, approved 5
        ("2025-04", 0, 1, 2, 1, 0, "3", "100"),  # G 1 (after 编辑), A returned 4, approved 3
        ("2025-05", 0, 0, 0, 0, 1, None, None),
        ("合计", 3, 1, 4, 2, 1, "4.5", "83.3"),  # 1 3 4 5 5 7
    ],
    "authority": [
        ("深圳市商务局", 3, 1, 4, 2, 1, "4.5", "83.3"),
        ("合计", 3, 1, 4, 2, 1, "4.5", "83.3"),
    ],
    "type": [
        ("国有企业", 1, 0, 1, 1, 0, "6", "50"),  # B: 7 and 5
        ("私营企业", 2, 1, 3, 1, 1, "3.5", "100"),  # 1 3 4 5
        ("合计", 3, 1, 4, 2, 1, "4.5", "83.3"),
    ],
}
GUANGDONG = {
    "month": [
        ("2025-03", 4, 0, 3, 1, 0, "5", "75"),  # 1 5 5 7
        ("2025-04", 0, 1, 2, 1, 0, "3", "100"),
        ("2025-05", 0, 0, 0, 0, 1, None, None),
        ("合计", 4, 1, 5, 2, 1, "4", "85.7"),  # 1 1 3 4 5 5 7
    ],
    "authority": [
        ("广州市商务局", 1, 0, 1, 0, 0, "1", "100"),
        ("深圳市商务局", 3, 1, 4, 2, 1, "4.5", "83.3"),
        ("合计", 4, 1, 5, 2, 1, "4", "85.7"),
    ],
}
SHANGHAI_ONLY = {
    "authority": [
        ("上海市商务委员会", 1, 0, 1, 0, 0, "2", "100"),
        ("合计", 1, 0, 1, 0, 0, "2", "100"),
    ],
}


def shown(row: tuple) -> list[str]:
    """A row as the page prints it (— for no decision)."""
    return [str(v) if v is not None else "—" for v in row]


def exported(row: tuple) -> list[str]:
    return [str(v) if v is not None else "" for v in row]


def _number(text: str | None) -> float | None:
    return None if text is None else float(Decimal(text))


def as_xlsx(row: tuple) -> list:
    label, *counts, median, share = row
    return [label, *counts, _number(median), _number(share)]


class _Tables(HTMLParser):
    """The statistics tables of a page: section id → rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id", "").startswith("table-"):
            self.current = attrs["id"].removeprefix("table-")
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "section":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {key: rows[1:] for key, rows in parser.tables.items()}  # without the header


def client_for(user: User) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def staff(role: str, code: str | None = None) -> User:
    return staff_user_create(
        username=f"stat-{role}-{code or 'all'}",
        password=PASSWORD,
        role=role,
        authority=authority(code) if code else None,
    )


@pytest.fixture
def history():
    return history_build()


def export(client: Client, table: str, fmt: str, **dates) -> list[list]:
    response = client.get(
        reverse("statistics:export"), {**(dates or RANGE), "table": table, "format": fmt}
    )
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        assert body.startswith("\ufeff".encode())
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def check_everywhere(client: Client, expected: dict[str, list[tuple]], **dates) -> None:
    """The page, the CSV and the XLSX of each table hold exactly ``expected``."""
    response = client.get(reverse("statistics:page"), dates or RANGE)
    assert response.status_code == 200
    tables = page_tables(response.content.decode())
    for table, rows in expected.items():
        assert tables[table] == [shown(r) for r in rows], table
        assert export(client, table, "csv", **dates)[1:] == [exported(r) for r in rows], table
        assert export(client, table, "xlsx", **dates)[1:] == [as_xlsx(r) for r in rows], table


def test_the_officer_sees_every_figure_of_their_authority(history):
    check_everywhere(client_for(history.officers["440300"]), SHENZHEN)


def test_a_supervisor_sees_the_authorities_under_theirs(history):
    check_everywhere(client_for(staff(User.Role.SUPERVISOR, "440000")), GUANGDONG)


def test_another_authority_sees_only_its_own(history):
    client = client_for(history.officers["310000"])
    check_everywhere(client, SHANGHAI_ONLY)
    body = client.get(reverse("statistics:page"), RANGE).content.decode()
    assert "深圳市商务局" not in body
    assert "广州市商务局" not in body


def test_the_system_admin_sees_every_authority(history):
    client = client_for(staff(User.Role.SYSTEM_ADMIN))
    rows = export(client, "authority", "csv")
    assert [r[0] for r in rows[1:]] == ["上海市商务委员会", "广州市商务局", "深圳市商务局", "合计"]
    assert rows[-1] == exported(("合计", 5, 1, 6, 2, 1, "3.5", "87.5"))  # 1 1 2 3 4 5 5 7


def test_a_range_with_ragged_ends_counts_only_its_days(history):
    """10 March – 8 April: the month rows cannot serve; the day rows of both ends do."""
    dates = {"date_from": "2025-03-10", "date_to": "2025-04-08"}
    check_everywhere(
        client_for(history.officers["440300"]),
        {
            "month": [
                # A approved (5), B returned (7), B approved (5), G reported on 31 March
                ("2025-03", 1, 0, 2, 1, 0, "5", "66.7"),
                # A's change, G approved (1), A returned (4)
                ("2025-04", 0, 1, 1, 1, 0, "2.5", "100"),
                ("合计", 1, 1, 3, 2, 0, "5", "80"),  # 1 4 5 5 7
            ]
        },
        **dates,
    )


def test_legacy_imports_are_no_new_filings_and_the_page_says_so(history):
    client = client_for(history.officers["440300"])
    body = client.get(reverse("statistics:page"), RANGE).content.decode()
    assert "从原系统导入的历史备案" in body
    assert "不计入新备案和审核通过" in body
    assert not Figure.objects.filter(day=at(3, 10).date(), measure="new").exists()


def test_the_rollup_equals_a_recount_from_the_history(history):
    """What the transitions wrote as they went is what the history recounts to; the month
    rows are the sums of the day rows, the sums over types and over authorities those of
    the full rows; the rebuild command writes the same rows again."""
    recount = figures_count()
    assert sum(recount.values()) == 3 + 1 + 6 + 2 + 1 + 1 + 1  # 深圳, 广州 and 上海
    assert full_rows(Span.DAY) == dict(recount)
    months: dict[FigureKey, int] = {}
    for key, count in recount.items():
        month = key._replace(day=key.day.replace(day=1))
        months[month] = months.get(month, 0) + count
    assert full_rows(Span.MONTH) == months
    sums_check()
    written = all_rows()
    for model in ROLLUPS:
        model.objects.all().delete()
    out = io.StringIO()
    call_command("statistics_rebuild", stdout=out)
    assert full_rows(Span.DAY) == dict(recount)
    assert full_rows(Span.MONTH) == months
    assert all_rows() == written
    assert "统计数据已重新计算" in out.getvalue()


def test_the_default_range_is_the_last_twelve_months(history):
    client = client_for(history.officers["440300"])
    response = client.get(reverse("statistics:page"))
    assert response.status_code == 200
    months = page_tables(response.content.decode())["month"]
    assert len(months) == 13  # twelve months and 合计
    assert 'name="date_from"' in response.content.decode()


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"date_from": "2025-13-01", "date_to": "2025-05-31"}, "date_from", "请输入有效的日期"),
        (
            {"date_from": "2025-05-01", "date_to": "2025-03-31"},
            "date_to",
            "截止日期不能早于起始日期",
        ),
        ({"date_from": "", "date_to": "2025-03-31"}, "date_from", "这个字段是必填项"),
        ({"date_from": "1999-12-31", "date_to": "2025-03-31"}, "date_from", "不能早于 2000-01-01"),
    ],
)
def test_bad_dates_are_told_beside_the_field_and_kept(dates, field, message):
    client = client_for(staff(User.Role.SYSTEM_ADMIN))
    for url in (reverse("statistics:page"), reverse("statistics:export")):
        response = client.get(url, {**dates, "table": "month", "format": "csv"})
        assert response.status_code == 400
        body = response.content.decode()
        error = body.split(f'id="field-{field}"', 1)[1].split("</div>", 2)
        assert message in "".join(error[:2]), body
        for value in dates.values():
            if value:
                assert f'value="{value}"' in body


def test_exported_cells_cannot_run_as_formulas(history):
    """An operator type named like a formula (the list is admin-edited) is exported with a
    leading apostrophe in CSV and XLSX alike."""
    for name in ('=HYPERLINK("http://x.example")', "+1", "-1+2", "@SUM(A1)"):
        OperatorType.objects.filter(name="国有企业").update(name=name)
        client = client_for(history.officers["440300"])
        for fmt in ("csv", "xlsx"):
            labels = [row[0] for row in export(client, "type", fmt)[1:]]
            assert labels[0] == f"'{name}", (fmt, labels)
        OperatorType.objects.filter(name=name).update(name="国有企业")


def test_each_export_is_audited(history):
    client = client_for(history.officers["440300"])
    export(client, "authority", "xlsx")
    event = AuditEvent.objects.filter(event="statistics_exported").get()
    assert event.data["table"] == "authority"
    assert event.data["format"] == "xlsx"
    assert event.data["date_from"] == RANGE["date_from"]


def test_the_page_draws_charts_from_its_tables(history):
    client = client_for(history.officers["440300"])
    body = client.get(reverse("statistics:page"), RANGE).content.decode()
    assert body.count('role="img"') == 2
    assert '<title id="chart-volume-title">每月办理量</title>' in body
    # Each bar names its value: March had three new filings at 深圳.
    assert "<title>2025-03 新备案：3</title>" in body
    assert "<title>2025-03 5个工作日内办结比例：66.7%</title>" in body


def test_the_charts_read_in_english_on_an_english_page(history):
    """The tooltip's colon joins translated parts, so English reads "label: value"."""
    client = client_for(history.officers["440300"])
    response = client.get(reverse("statistics:page"), RANGE, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "<title>2025-03 New filing: 3</title>" in body
    assert "：" not in body


def test_the_office_navigation_leads_to_statistics(history):
    client = client_for(history.officers["440300"])
    body = client.get(reverse("office:queue")).content.decode()
    assert f'href="{reverse("statistics:page")}"' in body
