from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tradereg.core.fieldkeys import field_key_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every sealed field (有效证件号) with a new key, without downtime. "
        "Embedded mode: a new key is generated into the key file first. Production: set the new "
        "FIELD_ENCRYPTION_KEY and list the old one in FIELD_ENCRYPTION_OLD_KEYS, restart, "
        "then run this; remove the old key once it reports the rows done."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-old",
            action="store_true",
            help="leave the old key(s) in the key file after re-encrypting",
        )

    def handle(self, *args, **options):
        try:
            report = field_key_rotate(
                new_key=not settings.FIELD_ENCRYPTION_KEY,
                retire=not options["keep_old"],
                progress=lambda line: self.stdout.write(line),
            )
        except ValueError as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rewritten} value(s) re-encrypted in {report.passes} pass(es)."
            )
        )
        if settings.FIELD_ENCRYPTION_KEY and report.retired:
            self.stdout.write(
                "Every value is sealed with FIELD_ENCRYPTION_KEY now: remove "
                "FIELD_ENCRYPTION_OLD_KEYS and restart."
            )
