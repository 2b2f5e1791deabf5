"""Build the statistics rollup from the filing history recorded so far (decision 0021):
the same recount as ``manage.py statistics_rebuild``, on the historical models."""

from django.db import migrations

from tradereg.filings.figures import figures_rebuild


def forwards(apps, schema_editor):
    events = apps.get_model("filings", "FilingEvent").objects.all()
    figures_rebuild(events=events, models=[apps.get_model("statistics", "Figure")])


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0001_initial"),
        ("filings", "0008_attachment_file_removed_at"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
