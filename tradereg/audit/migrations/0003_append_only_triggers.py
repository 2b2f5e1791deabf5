"""Append-only where the data lives: triggers refusing UPDATE and DELETE on the audit
tables (SQLite and PostgreSQL; see ``tradereg.audit.protection``).

On SQLite a later migration that rebuilds one of these tables drops its triggers with
it: such a migration must run ``install`` again (a test and ``audit_verify`` check).
"""

from django.db import migrations

from tradereg.audit import protection


def install(apps, schema_editor):
    for sql in protection.install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    for sql in protection.uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_actor_snapshot_chain")]

    operations = [migrations.RunPython(install, uninstall)]
