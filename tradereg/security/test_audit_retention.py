"""Retention: at least 184 days, refused below; the purge deletes the oldest events only,
keeps the chain verifiable from its anchor, and leaves an event of its own.
"""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from tradereg.audit import conf, protection
from tradereg.audit.models import AuditAnchor, AuditEvent
from tradereg.audit.selectors import chain_verify
from tradereg.audit.services import audit_purge, audit_record

pytestmark = pytest.mark.django_db


def test_the_retention_is_184_days_unless_configured(settings, monkeypatch):
    del settings.AUDIT_RETENTION_DAYS
    monkeypatch.delenv("AUDIT_RETENTION_DAYS", raising=False)
    assert conf.retention_days() == 184
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "400")
    assert conf.retention_days() == 400
    settings.AUDIT_RETENTION_DAYS = 365
    assert conf.retention_days() == 365


@pytest.mark.parametrize("days", [183, 0, -1, "six months"])
def test_a_shorter_retention_is_refused_at_start_up(settings, days):
    settings.AUDIT_RETENTION_DAYS = days
    with pytest.raises(ImproperlyConfigured, match="AUDIT_RETENTION_DAYS"):
        apps.get_app_config("audit").ready()


def events_at(monkeypatch, when, count: int) -> list[AuditEvent]:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return [audit_record(event="user_logged_in", step=i) for i in range(count)]


def test_the_purge_deletes_the_old_events_and_the_chain_still_verifies(monkeypatch):
    now = timezone.now()
    old = events_at(monkeypatch, now - timedelta(days=200), 3)
    kept = events_at(monkeypatch, now - timedelta(days=100), 2)

    result = audit_purge(now=now)

    assert result.count == 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    anchor = AuditAnchor.objects.get()
    assert (anchor.last_id, anchor.last_hash, anchor.purged_count) == (old[-1].pk, old[-1].hash, 3)
    purged = AuditEvent.objects.get(event="audit_purged")
    assert purged.data["count"] == 3
    assert purged.data["cutoff"] == (now - timedelta(days=184)).isoformat()
    report = chain_verify()
    assert (report.ok, report.count) == (True, 3)


def test_purging_everything_chains_the_next_event_to_the_anchor(monkeypatch):
    now = timezone.now()
    old = events_at(monkeypatch, now - timedelta(days=300), 2)
    audit_purge(now=now + timedelta(days=400))
    purged = AuditEvent.objects.get()
    assert purged.event == "audit_purged"
    assert purged.prev_hash == old[-1].hash
    assert chain_verify().ok


def test_a_run_with_nothing_to_purge_still_leaves_an_event():
    audit_record(event="user_logged_in")
    assert audit_purge().count == 0
    assert AuditEvent.objects.filter(event="audit_purged", data__count=0).exists()
    assert not AuditAnchor.objects.exists()
    assert chain_verify().ok


def test_a_dry_run_counts_and_changes_nothing(monkeypatch):
    now = timezone.now()
    events_at(monkeypatch, now - timedelta(days=200), 2)
    out = io.StringIO()
    call_command("audit_purge", "--dry-run", stdout=out)
    assert "将清理 2 条" in out.getvalue()
    assert AuditEvent.objects.count() == 2
    assert not AuditEvent.objects.filter(event="audit_purged").exists()


def test_the_command_purges_and_reports(monkeypatch):
    events_at(monkeypatch, timezone.now() - timedelta(days=200), 2)
    out = io.StringIO()
    call_command("audit_purge", stdout=out)
    assert "已清理 2 条" in out.getvalue()
    assert list(AuditEvent.objects.values_list("event", flat=True)) == ["audit_purged"]


def test_an_event_deleted_after_the_anchor_is_detected(monkeypatch):
    """The anchor marks where purging stopped: a kept event missing breaks the chain."""
    now = timezone.now()
    events_at(monkeypatch, now - timedelta(days=200), 1)
    recent = events_at(monkeypatch, now - timedelta(days=10), 2)
    audit_purge(now=now)
    with transaction.atomic(), protection.purge_gate(connection), connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE id = %s", [recent[0].pk])
    report = chain_verify()
    assert (report.ok, report.broken_id) == (False, recent[1].pk)
