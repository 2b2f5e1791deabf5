"""The postings carry their operator's trigram signature (decision 0023).

The column is added by hand on SQLite, where Django would rebuild the table and lose its
``WITHOUT ROWID`` (migration 0002), and on PostgreSQL the primary key is rebuilt to include
it, so the walk filters inside the index. Existing postings get their signature from the
stored search key; until then -1 keeps them found.
"""

from django.db import migrations, models

from tradereg.registry.grams import approved_us, grams, signature

PKEY = "registry_operatornamegram_pkey"


def column_add(apps, schema_editor):
    table = schema_editor.quote_name("registry_operatornamegram")
    schema_editor.execute(
        f"ALTER TABLE {table} ADD COLUMN signature bigint NOT NULL DEFAULT -1"
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {PKEY}, ADD CONSTRAINT {PKEY} "
            "PRIMARY KEY (gram, approved_us, operator_id) INCLUDE (signature)"
        )


def column_drop(apps, schema_editor):
    table = schema_editor.quote_name("registry_operatornamegram")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT {PKEY}, ADD CONSTRAINT {PKEY} "
            "PRIMARY KEY (gram, approved_us, operator_id)"
        )
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN signature")


def signatures_backfill(apps, schema_editor):
    operators = apps.get_model("registry", "PublishedOperator")
    postings = apps.get_model("registry", "OperatorNameGram")
    rows = operators.objects.order_by("pk").values_list("pk", "search_key", "approved_at")
    for pk, key, approved_at in rows.iterator(chunk_size=2000):
        # The whole key, so each update is a few probes of the primary key.
        postings.objects.filter(
            gram__in=grams(key), approved_us=approved_us(approved_at), operator_id=pk
        ).update(signature=signature(key))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_remask_id_numbers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="operatornamegram",
                    name="signature",
                    field=models.BigIntegerField(db_default=-1),
                ),
            ],
            database_operations=[migrations.RunPython(column_add, column_drop)],
        ),
        migrations.RunPython(signatures_backfill, migrations.RunPython.noop),
    ]
