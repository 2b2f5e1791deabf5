"""导出 CSV / 导出 Excel of the review queue: the page's filters, scope and masking."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import PASSWORD, authority, make_filing, make_officer
from tradereg.office import exports

pytestmark = pytest.mark.usefixtures("reference_data")

NAME, SYSTEM_NO, ID_NUMBER = 4, 7, 13  # columns of the export


def logged_in(user: User) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def download(client: Client, fmt: str, **query) -> list[list]:
    response = client.get(reverse("office:queue_export"), {**query, "format": fmt})
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        assert body.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def queue():
    officer = make_officer(code="440300")
    first = make_filing(status=Status.REPORTED, code="440300", name_cn="深圳导出一贸易有限公司")
    second = make_filing(status=Status.REPORTED, code="440300", name_cn="深圳导出二贸易有限公司")
    approved = make_filing(
        status=Status.APPROVED, code="440300", officer=officer, name_cn="深圳导出三贸易有限公司"
    )
    guangzhou = make_filing(status=Status.REPORTED, code="440100", name_cn="广州导出贸易有限公司")
    elsewhere = make_filing(status=Status.REPORTED, code="310000", name_cn="上海导出贸易有限公司")
    return {
        "officer": officer,
        "first": first,
        "second": second,
        "approved": approved,
        "guangzhou": guangzhou,
        "elsewhere": elsewhere,
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_the_pages_rows_in_its_order(queue, fmt):
    client = logged_in(queue["officer"])
    rows = download(client, fmt)
    assert rows[0][:4] == ["上报时间", "已等待（工作日）", "是否超期", "类型"]
    assert [r[SYSTEM_NO] for r in rows[1:]] == [queue["first"].system_no, queue["second"].system_no]
    page = client.get(reverse("office:queue")).content.decode()
    assert page.index(queue["first"].system_no) < page.index(queue["second"].system_no)
    assert rows[1][3] == "新备案"
    assert rows[1][11] == "上报"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_keeps_the_filters_of_the_page(queue, fmt):
    client = logged_in(queue["officer"])
    approved = download(client, fmt, status=Status.APPROVED)
    assert [r[NAME] for r in approved[1:]] == ["深圳导出三贸易有限公司"]
    assert approved[1][8] == queue["approved"].form_no
    found = download(client, fmt, status="", q="导出二")
    assert [r[NAME] for r in found[1:]] == ["深圳导出二贸易有限公司"]


def test_the_export_links_carry_the_query_of_the_page(queue):
    body = logged_in(queue["officer"]).get(reverse("office:queue"), {"q": "导出二"}).content
    link = f"{reverse('office:queue_export')}?q=%E5%AF%BC%E5%87%BA%E4%BA%8C&amp;format=csv"
    assert link in body.decode()
    assert "导出 Excel" in body.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_id_numbers_are_exported_masked_only(queue, fmt):
    revision = queue["first"].current_revision
    rows = download(logged_in(queue["officer"]), fmt)
    assert rows[1][ID_NUMBER] == revision.masked_id_number
    assert "*" in rows[1][ID_NUMBER]
    flat = "".join(str(cell) for row in rows for cell in row)
    assert revision.id_number not in flat
    assert queue["second"].current_revision.id_number not in flat


def test_a_search_by_id_number_exports_it_masked(queue):
    revision = queue["second"].current_revision
    rows = download(logged_in(queue["officer"]), "csv", q=revision.id_number)
    assert [r[SYSTEM_NO] for r in rows[1:]] == [queue["second"].system_no]
    assert revision.id_number not in "".join(rows[1])


def test_the_export_respects_scope_like_the_page(queue):
    supervisor = staff_user_create(
        username="gd-export",
        password=PASSWORD,
        role=User.Role.SUPERVISOR,
        authority=authority("440000"),
    )
    by_supervisor = download(logged_in(supervisor), "csv")
    names = {r[NAME] for r in by_supervisor[1:]}
    assert names == {"深圳导出一贸易有限公司", "深圳导出二贸易有限公司", "广州导出贸易有限公司"}
    shanghai = download(logged_in(make_officer(code="310000")), "csv")
    assert [r[NAME] for r in shanghai[1:]] == ["上海导出贸易有限公司"]


def test_formulas_in_names_are_defused(queue):
    make_filing(status=Status.REPORTED, code="440300", name_cn='=HYPERLINK("http://x.example")')
    for fmt in ("csv", "xlsx"):
        names = [r[NAME] for r in download(logged_in(queue["officer"]), fmt)[1:]]
        assert '\'=HYPERLINK("http://x.example")' in names


def test_an_export_is_audited(queue):
    download(logged_in(queue["officer"]), "xlsx", q="导出")
    event = AuditEvent.objects.get(event="queue_exported")
    assert event.data["count"] == 3  # a search without a status looks at every status
    assert event.data["format"] == "xlsx"
    assert event.data["filters"]["q"] == "导出"


def test_too_many_rows_are_refused_with_a_message(queue, monkeypatch):
    monkeypatch.setattr(exports, "QUEUE_EXPORT_MAX_ROWS", 1)
    client = logged_in(queue["officer"])
    response = client.get(reverse("office:queue_export"), {"q": "导出", "format": "csv"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('office:queue')}?q=%E5%AF%BC%E5%87%BA"
    page = client.get(response["Location"]).content.decode()
    assert "超过 1 条，请缩小查询范围后再导出" in page
    assert not AuditEvent.objects.filter(event="queue_exported").exists()


def test_an_unknown_format_is_not_there(queue):
    response = logged_in(queue["officer"]).get(reverse("office:queue_export"), {"format": "pdf"})
    assert response.status_code == 404


def test_the_second_page_keeps_the_default_filter(queue):
    """Paging the default queue (no filter chosen) stays on reported filings."""
    body = logged_in(queue["officer"]).get(reverse("office:queue"), {"page": "2"}).content
    assert "深圳导出三贸易有限公司" not in body.decode()
