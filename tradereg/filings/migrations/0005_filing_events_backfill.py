"""Fill the filing event table from what was recorded before it existed.

Revisions become 新建/保存/编辑/变更/导入 steps, decisions become 审核通过/退回/注销, and
the reports (kept until now only in the audit trail) become 上报 steps. Attachments get
the revision that was current when they were uploaded.
"""

from django.db import migrations

REVISION_EVENTS = {
    "create": "created",
    "save": "saved",
    "edit": "edited",
    "change": "change_started",
    "import": "imported",
}


def forwards(apps, schema_editor):
    Filing = apps.get_model("filings", "Filing")
    FilingRevision = apps.get_model("filings", "FilingRevision")
    FilingEvent = apps.get_model("filings", "FilingEvent")
    Decision = apps.get_model("filings", "Decision")
    Attachment = apps.get_model("filings", "Attachment")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = []
    stamps = []
    for r in FilingRevision.objects.select_related("created_by").iterator():
        events.append(
            FilingEvent(
                filing_id=r.filing_id,
                kind=REVISION_EVENTS[r.kind],
                revision_id=r.pk,
                authority_id=r.authority_id,
                actor_id=r.created_by_id,
                actor_name=r.created_by.username if r.created_by else "",
            )
        )
        stamps.append(r.created_at)
    for d in Decision.objects.select_related("officer").iterator():
        events.append(
            FilingEvent(
                filing_id=d.filing_id,
                kind=d.kind,
                revision_id=d.revision_id,
                authority_id=d.authority_id,
                actor_id=d.officer_id,
                actor_name=d.officer.username,
                status_after=d.kind,
                reason=d.reason,
                fields=d.fields,
                attachment_kinds=d.attachment_kinds,
            )
        )
        stamps.append(d.created_at)
    reports = AuditEvent.objects.filter(event="filing_reported", filing__isnull=False)
    latest_report: dict[int, bool] = {}
    for e in reports.select_related("actor").order_by("created_at", "id").iterator():
        number = e.data.get("revision")
        revision = FilingRevision.objects.filter(filing_id=e.filing_id, number=number).first()
        if revision is None:
            continue
        events.append(
            FilingEvent(
                filing_id=e.filing_id,
                kind="reported",
                revision_id=revision.pk,
                authority_id=revision.authority_id,
                actor_id=e.actor_id,
                actor_name=e.actor.username if e.actor else "",
                status_after="reported",
                is_change=bool(e.data.get("is_change")),
            )
        )
        stamps.append(e.created_at)
        latest_report[e.filing_id] = bool(e.data.get("is_change"))
    created = FilingEvent.objects.bulk_create(events, batch_size=1000)
    # auto_now_add stamped them all now; give each the time it happened.
    for event, at in zip(created, stamps, strict=True):
        event.created_at = at
    FilingEvent.objects.bulk_update(created, ["created_at"], batch_size=1000)
    for filing_id, is_change in latest_report.items():
        if is_change:
            Filing.objects.filter(pk=filing_id).update(reported_as_change=True)
    for filing in Filing.objects.exclude(current_revision=None).iterator():
        Attachment.objects.filter(filing_id=filing.pk, revision=None).update(
            revision_id=filing.current_revision_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("filings", "0004_filing_events_attachment_revisions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
