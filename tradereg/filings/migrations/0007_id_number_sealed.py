"""有效证件号 sealed at rest: the column becomes ciphertext, a blind index is added beside it.

The existing plain values are sealed in place by raw SQL (the historical model would read
them as ciphertext), with the key of ``tradereg.common.crypto``.
"""

from django.db import migrations

import tradereg.common.fields
from tradereg.common.crypto import keyring

CONTEXT = "filings.FilingRevision.id_number"
BATCH = 1000


def _rewrite(apps, schema_editor, *, sealed: bool):
    """Seal every plain value (``sealed=True``) or open every sealed one, in batches."""
    table = apps.get_model("filings", "FilingRevision")._meta.db_table
    ring = keyring()
    with schema_editor.connection.cursor() as cursor:
        after = 0
        while True:
            cursor.execute(
                f"SELECT id, id_number FROM {table} WHERE id > %s ORDER BY id LIMIT {BATCH}",  # noqa: S608 - our own table name
                [after],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            for pk, stored in rows:
                if not stored or stored.startswith("enc1$") == sealed:
                    continue  # empty, or already as wanted
                if sealed:
                    cursor.execute(
                        f"UPDATE {table} SET id_number = %s, id_number_index = %s WHERE id = %s",  # noqa: S608 - our own table name
                        [ring.seal(stored, CONTEXT), ring.index(stored), pk],
                    )
                else:
                    cursor.execute(
                        f"UPDATE {table} SET id_number = %s WHERE id = %s",  # noqa: S608 - our own table name
                        [ring.open(stored, CONTEXT), pk],
                    )
            after = rows[-1][0]


def seal(apps, schema_editor):
    _rewrite(apps, schema_editor, sealed=True)


def unseal(apps, schema_editor):
    _rewrite(apps, schema_editor, sealed=False)


class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0006_remove_decision"),
    ]

    operations = [
        migrations.AlterField(
            model_name="filingrevision",
            name="id_number",
            field=tradereg.common.fields.EncryptedCharField(
                max_length=32, verbose_name="有效证件号"
            ),
        ),
        migrations.AddField(
            model_name="filingrevision",
            name="id_number_index",
            field=tradereg.common.fields.BlindIndexField(
                db_index=True, default="", source="id_number"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(seal, unseal, elidable=False),
    ]
