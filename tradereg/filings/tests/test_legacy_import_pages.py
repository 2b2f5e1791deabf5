"""Imported filings on the public pages and in 开通用户; the import page of the 系统管理员
(upload, background task, progress, report) and nobody else's."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings import services
from tradereg.filings.models import Filing
from tradereg.filings.services.imports import legacy_import
from tradereg.filings.tests.factories import PASSWORD, authority, make_officer
from tradereg.filings.tests.legacy_files import csv_bytes, legacy_row, report_lines, xlsx_bytes
from tradereg.notifications.models import OutboundEmail
from tradereg.office.models import LegacyImport

pytestmark = pytest.mark.usefixtures("reference_data")


def imported(*rows) -> list[Filing]:
    legacy_import(source=io.BytesIO(csv_bytes(list(rows))), report=io.StringIO())
    return [Filing.objects.get(form_no=row["备案登记表编号"]) for row in rows]


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def admin() -> User:
    return staff_user_create(username="ministry", password=PASSWORD, role=User.Role.SYSTEM_ADMIN)


def test_imported_filings_are_found_in_the_operator_lookup_with_their_own_numbers():
    row = legacy_row(经营者中文名称="北京琉璃厂古籍进出口有限公司")
    [filing] = imported(row)
    for query in (row["统一社会信用代码"], row["进出口企业代码"], "琉璃厂古籍"):
        body = Client().get("/operators/", {"q": query}).content.decode()
        assert "北京琉璃厂古籍进出口有限公司" in body, query
        assert row["进出口企业代码"] in body


def test_imported_filings_are_printed_by_their_own_form_number():
    row = legacy_row()
    [filing] = imported(row)
    client = Client()
    found = client.post(
        "/print/", {"number": row["备案登记表编号"], "code": row["统一社会信用代码"]}
    )
    assert found.status_code == 302
    page = client.get(found["Location"]).content.decode()
    assert row["备案登记表编号"] in page
    assert row["进出口企业代码"] in page
    assert "2012年5月20日" in page
    assert row["有效证件号"] not in page  # masked on the public form


def test_an_officer_opens_an_account_for_an_imported_filing(smtp_server, tasks):
    row = legacy_row(电子邮箱="owner@laozihao.example.cn")
    [filing] = imported(row)
    officer = make_officer(code="110000")
    office = logged_in(officer)
    found = office.get(reverse("office:accounts"), {"q": row["统一社会信用代码"]}).content.decode()
    assert reverse("office:claim", args=[filing.pk]) in found
    assert "（历史备案）" in found
    office.post(reverse("office:claim", args=[filing.pk]), {"email": "owner@laozihao.example.cn"})
    tasks()
    [body] = smtp_server.bodies_to("owner@laozihao.example.cn")
    token = re.search(r"/accounts/claim/([\w-]+)/", body).group(1)
    user = services.account_claim_complete(
        token=token, username="laozihao", password="Claim@2026Key"
    )
    filing.refresh_from_db()
    assert filing.owner == user
    assert OutboundEmail.objects.filter(to="owner@laozihao.example.cn").exists()


def test_the_system_admin_uploads_and_the_worker_imports_with_progress_and_report(admin, tasks):
    rows = [legacy_row(), legacy_row(住所=""), legacy_row()]
    client = logged_in(admin)
    page = client.get(reverse("office:legacy_import")).content.decode()
    assert ">数据文件</label>" in page
    upload = SimpleUploadedFile("北京历史备案.xlsx", xlsx_bytes(rows))
    response = client.post(reverse("office:legacy_import"), {"file": upload})
    job = LegacyImport.objects.get()
    assert response["Location"] == reverse("office:legacy_import_detail", args=[job.token])
    assert job.status == LegacyImport.Status.QUEUED
    assert not job.file.name.startswith(("static", "/"))
    assert AuditEvent.objects.filter(event="legacy_import_uploaded", object_id=job.token).exists()
    progress = client.get(reverse("office:legacy_import_progress", args=[job.token])).json()
    assert (progress["status"], progress["finished"], progress["report"]) == (
        "queued",
        False,
        False,
    )

    tasks()
    progress = client.get(reverse("office:legacy_import_progress", args=[job.token])).json()
    assert progress["finished"]
    assert progress["report"]
    assert (progress["percent"], progress["created"], progress["invalid"]) == (100, 2, 1)
    detail = client.get(reverse("office:legacy_import_detail", args=[job.token])).content.decode()
    assert "已完成" in detail
    download = client.get(reverse("office:legacy_import_report", args=[job.token]))
    assert download["Content-Disposition"].startswith("attachment")
    content = b"".join(download.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    [line] = report_lines(content.decode("utf-8"))
    assert (line["行号"], line["列"], line["说明"]) == ("3", "住所", "请填写住所。")
    assert Filing.objects.filter(form_no=rows[0]["备案登记表编号"], owner=None).exists()
    finished = AuditEvent.objects.get(event="legacy_import_finished")
    assert (finished.actor_id, finished.data["created"]) == (admin.pk, 2)


def test_a_dry_run_from_the_page_imports_nothing(admin, tasks):
    client = logged_in(admin)
    upload = SimpleUploadedFile("check.csv", csv_bytes([legacy_row()]))
    client.post(reverse("office:legacy_import"), {"file": upload, "dry_run": "on"})
    tasks()
    job = LegacyImport.objects.get()
    assert (job.status, job.created, job.dry_run) == (LegacyImport.Status.DONE, 1, True)
    assert not Filing.objects.exists()


def test_a_file_of_another_kind_is_refused_beside_the_field(admin):
    client = logged_in(admin)
    upload = SimpleUploadedFile("register.pdf", b"%PDF-1.4")
    response = client.post(reverse("office:legacy_import"), {"file": upload})
    assert response.status_code == 400
    assert "请上传 CSV 或 XLSX 文件。" in response.content.decode()
    assert not LegacyImport.objects.exists()


@pytest.mark.parametrize(
    "role", ["officer", "supervisor", User.Role.SECURITY_ADMIN, User.Role.AUDITOR, "enterprise"]
)
def test_only_the_system_admin_may_import(role, admin, tasks):
    client = logged_in(admin)
    client.post(
        reverse("office:legacy_import"),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([legacy_row()]))},
    )
    tasks()
    job = LegacyImport.objects.get()
    if role == "officer":
        other = make_officer(code="110000")
    elif role == "supervisor":
        other = staff_user_create(
            username="province",
            password=PASSWORD,
            role=User.Role.SUPERVISOR,
            authority=authority("110000"),
        )
    elif role == "enterprise":
        other = User.objects.create_user(username="trader", password=PASSWORD)
    else:
        other = staff_user_create(username=f"x-{role}", password=PASSWORD, role=role)
    stranger = logged_in(other)
    for name, args in (
        ("office:legacy_import", []),
        ("office:legacy_import_detail", [job.token]),
        ("office:legacy_import_progress", [job.token]),
        ("office:legacy_import_report", [job.token]),
    ):
        assert stranger.get(reverse(name, args=args)).status_code == 404, name
    upload = SimpleUploadedFile("b.csv", csv_bytes([legacy_row()]))
    assert stranger.post(reverse("office:legacy_import"), {"file": upload}).status_code == 404
    assert LegacyImport.objects.count() == 1
    anonymous = Client().get(reverse("office:legacy_import"))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_uploads_and_reports_are_not_under_any_public_path(admin, tasks, settings):
    client = logged_in(admin)
    client.post(
        reverse("office:legacy_import"),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([legacy_row()]))},
    )
    tasks()
    job = LegacyImport.objects.get()
    for name in (job.file.name, job.report.name):
        assert name.startswith(f"imports/{job.token}/")
        for url in (f"/media/{name}", f"/{name}", f"/static/{name}"):
            assert Client().get(url).status_code == 404
            assert client.get(url).status_code == 404
