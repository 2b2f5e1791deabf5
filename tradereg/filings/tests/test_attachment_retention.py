"""Files of cancelled filings are removed once CANCELLED_ATTACHMENT_RETENTION_DAYS have
passed since the cancellation; the rows stay, marked, and each removal is audited. What
an enterprise deletes before 上报 is gone from storage at once."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings import services
from tradereg.filings.models import Attachment, Status
from tradereg.filings.services.files import cancelled_attachments_purge
from tradereg.filings.tasks import cancelled_attachments_purge_task
from tradereg.filings.tests.factories import make_filing, make_officer, pdf_upload

pytestmark = pytest.mark.usefixtures("reference_data")

DAYS = 1825


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def files_in(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_the_default_retention_is_five_years(settings):
    assert settings.CANCELLED_ATTACHMENT_RETENTION_DAYS == DAYS


def test_files_of_a_filing_cancelled_longer_ago_are_removed_and_the_rows_stay(settings):
    cancelled = make_filing(status=Status.CANCELLED)
    kept_cancelled = make_filing(status=Status.CANCELLED)
    approved = make_filing(status=Status.APPROVED)
    old = cancelled.all_attachments.all()
    assert old.count() == 2
    names = {a.file.name for a in old}
    assert names <= files_in(settings)
    now = timezone.now() + timedelta(days=DAYS, minutes=1)
    # The second one was cancelled a day later than the first: not due yet.
    cancelled_at = kept_cancelled.events.get(kind="cancelled")
    kept_cancelled.events.filter(pk=cancelled_at.pk).update(
        created_at=cancelled_at.created_at + timedelta(days=1)
    )

    removed = cancelled_attachments_purge(now=now)

    assert sorted(removed) == sorted(a.pk for a in old)
    assert not names & files_in(settings)
    for attachment in Attachment.objects.filter(pk__in=removed):
        assert attachment.file_removed_at == now
        assert attachment.sha256  # what the file was stays on record
    for filing in (kept_cancelled, approved):
        for attachment in filing.all_attachments.all():
            assert attachment.file_removed_at is None
            assert attachment.file.name in files_in(settings)
    events = AuditEvent.objects.filter(event="attachment_file_removed").order_by("id")
    assert [e.object_id for e in events] == [str(pk) for pk in sorted(removed)]
    assert {e.filing_id for e in events} == {cancelled.pk}
    assert events[0].data["retention_days"] == DAYS
    assert cancelled_attachments_purge(now=now) == []  # idempotent


def test_a_removed_file_says_so_on_the_pages_and_is_not_an_integrity_failure():
    officer = make_officer(code="110000")
    filing = make_filing(status=Status.CANCELLED, officer=officer)
    scan = filing.attachments.get(kind="signed_form")
    cancelled_attachments_purge(now=timezone.now() + timedelta(days=DAYS + 1))

    for client in (client_for(filing.owner), client_for(officer)):
        response = client.get(f"/my/filings/{filing.pk}/attachments/{scan.pk}/")
        assert response.status_code == 410
        assert "已按保存期限删除" in response.content.decode()
    review = client_for(officer).get(f"/office/filings/{filing.pk}/").content.decode()
    assert "按注销备案的保存期限删除" in review
    assert f"/attachments/{scan.pk}/" not in review
    detail = client_for(filing.owner).get(f"/my/filings/{filing.pk}/").content.decode()
    assert "文件已按保存期限删除" in detail
    assert not AuditEvent.objects.filter(event="attachment_integrity_failed").exists()


def test_the_command_reports_what_it_removed(settings):
    filing = make_filing(status=Status.CANCELLED)
    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=DAYS + 1)):
        call_command("purge_cancelled_attachments", stdout=out)
    assert "共删除 2 个附件文件（注销满 1825 天）" in out.getvalue()
    assert not filing.all_attachments.filter(file_removed_at__isnull=True).exists()


def test_the_task_runs_on_the_worker(tasks):
    filing = make_filing(status=Status.CANCELLED)
    tasks()  # the e-mails of the filing's life so far
    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=DAYS + 1)):
        call_command("purge_cancelled_attachments", "--enqueue", stdout=out)
        assert "已加入后台任务" in out.getvalue()
        assert not filing.all_attachments.exclude(file_removed_at=None).exists()
        tasks()
    assert filing.all_attachments.exclude(file_removed_at=None).count() == 2
    assert cancelled_attachments_purge_task.name


def test_what_the_enterprise_deletes_before_reporting_is_gone_from_storage(
    settings, django_capture_on_commit_callbacks
):
    filing = make_filing()
    attachment = services.attachment_add(
        filing=filing, acting_user=filing.owner, kind="other", uploaded=pdf_upload()
    )
    name = attachment.file.name
    assert name in files_in(settings)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(filing.owner).post(
            f"/my/filings/{filing.pk}/attachments/{attachment.pk}/delete/"
        )
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert name not in files_in(settings)
