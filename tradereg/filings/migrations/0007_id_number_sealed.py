"""有效证件号 sealed at rest: the column becomes ciphertext, a blind index is added beside it.

The existing plain values are sealed in place by raw SQL (the historical model would read
them as ciphertext), with the key of ``tradereg.common.crypto``.
"""

from django.db import migrations

import tradereg.common.fields
from tradereg.common.crypto import keyring

CONTEXT = "filings.FilingRevision.id_number"
BATCH = 1000


def _rows(cursor, table, after):
    cursor.execute(
        f"SELECT id, id_number FROM {table} WHERE id > %s ORDER BY id LIMIT {BATCH}",  # noqa: S608 - our own table name
        [after],
    )
    return cursor.fetchall()


def seal(apps, schema_editor):
    table = apps.get_model("filings", "FilingRevision")._meta.db_table
    ring = keyring()
    with schema_editor.connection.cursor() as cursor:
        after = 0
        while rows := _rows(cursor, table, after):
            for pk, plain in rows:
                if plain and not plain.startswith("enc1$"):
                    cursor.execute(
                        f"UPDATE {table} SET id_number = %s, id_number_index = %s WHERE id = %s",  # noqa: S608 - our own table name
                        [ring.seal(plain, CONTEXT), ring.index(plain), pk],
                    )
            after = rows[-1][0]


def unseal(apps, schema_editor):
    table = apps.get_model("filings", "FilingRevision")._meta.db_table
    ring = keyring()
    with schema_editor.connection.cursor() as cursor:
        after = 0
        while rows := _rows(cursor, table, after):
            for pk, stored in rows:
                if stored and stored.startswith("enc1$"):
                    cursor.execute(
                        f"UPDATE {table} SET id_number = %s WHERE id = %s",  # noqa: S608 - our own table name
                        [ring.open(stored, CONTEXT), pk],
                    )
            after = rows[-1][0]


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
