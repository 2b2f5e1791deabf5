"""manage.py snapshot_build: build today's snapshot of the published register now (what
deploy/tradereg-snapshot.timer runs every night)."""

from django.core.management.base import BaseCommand

from tradereg.opendata.snapshots import snapshot_build


class Command(BaseCommand):
    help = "Build today's open-data snapshot (gzip CSV and JSON Lines); keeps the newest 30."

    def handle(self, *args, **options):
        snapshot = snapshot_build()
        self.stdout.write(
            f"snapshot {snapshot.day}: {snapshot.row_count} rows, "
            f"csv {snapshot.csv_size} bytes sha256 {snapshot.csv_sha256}, "
            f"jsonl {snapshot.jsonl_size} bytes sha256 {snapshot.jsonl_sha256}"
        )
