"""Recovery codes bound before they were hashed are hashed in place (still valid once)."""

from django.db import migrations

from tradereg.accounts.otp_services import recovery_code_digest

PLAIN_LENGTH = 8  # django-otp's random_token(); stored digests are 16 characters


def hash_plain_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        if len(token.token) == PLAIN_LENGTH:
            StaticToken.objects.filter(pk=token.pk).update(token=recovery_code_digest(token.token))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_separated_admin_roles"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_plain_codes, migrations.RunPython.noop)]
