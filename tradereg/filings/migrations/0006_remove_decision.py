# The decisions now live in the filing event table (0005); attachments all have a revision.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0005_filing_events_backfill"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='decision',
            name='authority',
        ),
        migrations.RemoveField(
            model_name='decision',
            name='filing',
        ),
        migrations.RemoveField(
            model_name='decision',
            name='officer',
        ),
        migrations.RemoveField(
            model_name='decision',
            name='revision',
        ),
        migrations.DeleteModel(
            name='Decision',
        ),
        migrations.AlterField(
            model_name="attachment",
            name="revision",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="attachments",
                to="filings.filingrevision",
            ),
        ),
    ]
