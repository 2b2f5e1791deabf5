"""The daily snapshot of the whole published register: gzip CSV and JSON Lines in the
media storage, written row by row from a chunked read, hashed while written.
"""

import csv
import gzip
import hashlib
import io
import json
import tempfile
from datetime import date
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tradereg.opendata import selectors
from tradereg.opendata.models import Snapshot

FOLDER = "opendata/snapshots"
COLUMNS = (*selectors.PUBLIC_FIELDS, "verification_code")


class _Hashed(io.RawIOBase):
    """A write-only file that counts and hashes what passes into ``target``."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def _row(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **values,
        "approved_at": timezone.localtime(values["approved_at"]).isoformat(),
        "verification_code": values["verification_code"] or "",
    }


def snapshot_build(*, day: date | None = None) -> Snapshot:
    """Write the register as of now into two new files and list them as ``day``'s
    snapshot (today by default), replacing one already built that day; keeps the
    newest ``SNAPSHOTS_KEPT`` and deletes the files of older ones. Memory use does not
    grow with the register: rows are read in chunks and written as they come.
    """
    day = day or timezone.localdate()
    position = selectors.changes_last_position()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    with (
        tempfile.TemporaryFile() as csv_file,
        tempfile.TemporaryFile() as jsonl_file,
    ):
        csv_hashed, jsonl_hashed = _Hashed(csv_file), _Hashed(jsonl_file)
        count = 0
        with (
            gzip.GzipFile(fileobj=csv_hashed, mode="wb", mtime=0) as csv_gz,
            gzip.GzipFile(fileobj=jsonl_hashed, mode="wb", mtime=0) as jsonl_gz,
        ):
            csv_text = io.TextIOWrapper(csv_gz, encoding="utf-8", newline="")
            jsonl_text = io.TextIOWrapper(jsonl_gz, encoding="utf-8")
            writer = csv.DictWriter(csv_text, fieldnames=COLUMNS)
            writer.writeheader()
            for values in selectors.register_rows():
                row = _row(values)
                writer.writerow(row)
                jsonl_text.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
            csv_text.flush()
            jsonl_text.flush()
            csv_text.detach()
            jsonl_text.detach()
        names = {}
        for suffix, handle in (("csv", csv_file), ("jsonl", jsonl_file)):
            handle.seek(0)
            names[suffix] = default_storage.save(
                f"{FOLDER}/{day.isoformat()}-{stamp}.{suffix}.gz", File(handle)
            )
    with transaction.atomic():
        replaced = list(Snapshot.objects.select_for_update().filter(day=day))
        Snapshot.objects.filter(day=day).delete()
        snapshot = Snapshot.objects.create(
            day=day,
            row_count=count,
            change_position=position,
            csv_name=names["csv"],
            csv_size=csv_hashed.size,
            csv_sha256=csv_hashed.digest.hexdigest(),
            jsonl_name=names["jsonl"],
            jsonl_size=jsonl_hashed.size,
            jsonl_sha256=jsonl_hashed.digest.hexdigest(),
        )
        old = replaced + list(Snapshot.objects.order_by("-day")[selectors.SNAPSHOTS_KEPT :])
        Snapshot.objects.filter(pk__in=[item.pk for item in old]).delete()
        transaction.on_commit(lambda: _files_delete(old))
    return snapshot


def _files_delete(snapshots: list[Snapshot]) -> None:
    for snapshot in snapshots:
        for name in (snapshot.csv_name, snapshot.jsonl_name):
            default_storage.delete(name)


def snapshot_open(*, name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")
