"""Published forms hide at least two thirds of the ID number (it was 11 of 18).

Masking the masked value again is enough: the old mask kept three characters in front
and four behind, never fewer than the new one keeps.
"""

from django.db import migrations

from tradereg.common.codes import mask_document_number


def remask(apps, schema_editor):
    PublishedForm = apps.get_model("registry", "PublishedForm")
    for form in PublishedForm.objects.only("pk", "masked_id_number").iterator():
        masked = mask_document_number(form.masked_id_number)
        if masked != form.masked_id_number:
            PublishedForm.objects.filter(pk=form.pk).update(masked_id_number=masked)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_published_form"),
    ]

    operations = [
        migrations.RunPython(remask, migrations.RunPython.noop, elidable=False),
    ]
