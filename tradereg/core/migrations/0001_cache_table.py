from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    """The shared cache (rate limits) lives in the database so every web process sees it."""

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
