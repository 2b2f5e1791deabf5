"""What a restore must give back, read the same way in the test and in the restored
installation (``manage.py shell -c`` in another process), so the two compare as equal.

Kept apart from the test module so that the restored installation imports only this.
"""

import hashlib
import json
from typing import Any

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction

from tradereg.audit.models import AuditEvent
from tradereg.core.backup import storage_walk
from tradereg.filings.models import Attachment, Filing, FilingEvent
from tradereg.registry.models import PublishedForm, PublishedOperator


def _plain(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def _digest(rows: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


def installation_facts() -> dict[str, Any]:
    """Every row of every table of ours (count and digest per model, ID numbers opened
    with the field key), the bytes of every stored file, the audit chain's hashes, and
    the filings, their history and the registry spelled out."""
    tables = {}
    existing = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.app_config.name.startswith("tradereg.") or model is AuditEvent:
            continue
        if model._meta.db_table not in existing:
            continue  # a model whose migration is not written yet
        rows = [
            json.dumps(row, sort_keys=True, default=_plain) for row in model._base_manager.values()
        ]
        tables[model._meta.label] = [len(rows), _digest(rows)]
    files = {}
    for name in storage_walk(default_storage):
        with default_storage.open(name, "rb") as handle:
            files[name] = hashlib.sha256(handle.read()).hexdigest()
    return {
        "tables": tables,
        "files": files,
        "attachments": sorted(
            [a.filing.system_no, a.kind, a.file.name, a.sha256, a.replaced_at is not None]
            for a in Attachment.objects.select_related("filing")
        ),
        "filings": sorted(
            [f.system_no, f.status, f.form_no, f.ie_code, f.current_revision.id_number]
            for f in Filing.objects.select_related("current_revision")
        ),
        "history": sorted(
            [e.filing.system_no, e.kind, e.status_after, e.actor_name, e.created_at.isoformat()]
            for e in FilingEvent.objects.select_related("filing")
        ),
        "registry": sorted(
            [o.form_no, o.name_cn, o.status] for o in PublishedOperator.objects.all()
        ),
        "forms": sorted(
            [p.code, p.form_no, p.revision_number] for p in PublishedForm.objects.all()
        ),
        "audit": [[e.event, e.hash] for e in AuditEvent.objects.order_by("id")],
    }


def restored_state() -> dict[str, Any]:
    """The facts, and whether the database itself still refuses an UPDATE of the audit
    trail (its triggers; raw SQL, past the model's own refusal)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET event = 'tampered'")
    except DatabaseError:
        refused = True
    else:
        refused = False
    return {"facts": installation_facts(), "audit_update_refused": refused}
