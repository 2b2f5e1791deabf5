"""The change log starts with the register as it stands: one entry per operator already
published (``published``, or ``cancelled`` for one cancelled since), in id order."""

from django.db import migrations
from django.utils import timezone

CHUNK = 5000


def backfill(apps, schema_editor):
    operators = apps.get_model("registry", "PublishedOperator")
    entries = apps.get_model("opendata", "ChangeEntry")
    clock = apps.get_model("opendata", "ChangeClock")
    position = 0
    now = timezone.now()
    rows = operators.objects.order_by("pk").values_list(
        "filing_id", "ie_code", "name_cn", "status", "revision_number"
    )
    batch = []
    for filing_id, ie_code, name_cn, status, revision_number in rows.iterator(chunk_size=CHUNK):
        position += 1
        batch.append(
            entries(
                position=position,
                filing_id=filing_id,
                kind="cancelled" if status == "cancelled" else "published",
                ie_code=ie_code,
                name_cn=name_cn,
                status=status,
                revision_number=revision_number,
                occurred_at=now,
            )
        )
        if len(batch) == CHUNK:
            entries.objects.bulk_create(batch)
            batch = []
    entries.objects.bulk_create(batch)
    # An empty register leaves the clock to its first publication, so that a database
    # just migrated stays empty (a backup is restored only into an empty one).
    if position:
        clock.objects.update_or_create(pk=1, defaults={"value": position})


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0001_initial"),
        ("registry", "0005_gram_signature"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
