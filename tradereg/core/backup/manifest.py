"""The backup folder's manifest and the file helpers shared by writing and reading it."""

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from django.utils.translation import gettext as _

FORMAT = "tradereg-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, in Chinese."""


@dataclass(frozen=True)
class Entry:
    """One file of the backup: its path in the folder (POSIX), size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    vendor: str
    schema: dict[str, str]
    files: list[Entry]
    # Names the database refers to that were not in the storage when it was read.
    missing: list[str] = field(default_factory=list)
    # Which field encryption keys sealed the data: their ids, never the keys.
    field_key_ids: list[str] = field(default_factory=list)
    format: str = FORMAT
    version: int = VERSION

    @property
    def database(self) -> Entry:
        return next(entry for entry in self.files if entry.path == DUMPS[self.vendor])

    @property
    def media(self) -> list[Entry]:
        return [entry for entry in self.files if entry.path.startswith(f"{MEDIA}/")]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT or data.get("version") != VERSION:
                raise BackupError(_("manifest.json 不是本系统的备份清单（或版本不同）"))
            manifest = cls(
                created_at=str(data["created_at"]),
                vendor=str(data["vendor"]),
                schema={str(app): str(name) for app, name in data["schema"].items()},
                files=[
                    Entry(path=str(f["path"]), size=int(f["size"]), sha256=str(f["sha256"]))
                    for f in data["files"]
                ],
                missing=[str(name) for name in data.get("missing", [])],
                field_key_ids=[str(kid) for kid in data.get("field_key_ids", [])],
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(_("manifest.json 无法读取：%(error)s") % {"error": error}) from error
        if manifest.vendor not in DUMPS or not any(
            entry.path == DUMPS[manifest.vendor] for entry in manifest.files
        ):
            raise BackupError(_("manifest.json 中没有数据库文件"))
        for entry in manifest.files:
            safe_path(entry.path)
        return manifest


def safe_path(path: str) -> PurePosixPath:
    """A relative path that stays inside the folder (a tampered manifest cannot escape)."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise BackupError(_("备份中的路径不安全：%(path)s") % {"path": path})
    return pure


def create_private(path: Path) -> IO[bytes]:
    """A new file readable by its owner only: the backup holds personal data."""
    for folder in reversed(path.parents):
        if not folder.exists():
            folder.mkdir(mode=0o700)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def hash_stream(handle: IO[bytes], copy_to: IO[bytes] | None = None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return size, digest.hexdigest()


def file_entry(folder: Path, relative: str) -> Entry:
    with (folder / relative).open("rb") as handle:
        size, sha256 = hash_stream(handle)
    return Entry(path=relative, size=size, sha256=sha256)
