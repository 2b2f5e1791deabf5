"""Backups that restore: the database and every stored file, with a manifest of checksums.

A backup is one folder:

    manifest.json      written last, so a backup cut short has none: the SHA-256 and size
                       of every file below, the schema (latest migration per app) and the
                       time; no address, password or key
    database.sqlite3   SQLite's online backup API: a consistent copy while the site runs
    database.pgdump    or ``pg_dump --format=custom``, from the snapshot in which the list
                       of files the database refers to is read
    media/<name>       every file of the default storage (disk or S3), under its own name

``backup_write`` makes one, ``backup_verify`` checks one and ``backup_restore`` puts one
into an empty installation, refusing on any missing file or checksum that does not match.
The keys of the data directory are not in it, by design (docs/operations.md).
"""

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

from tradereg.audit.selectors import ChainReport, chain_verify
from tradereg.audit.services import audit_record
from tradereg.common import crypto
from tradereg.core.backup.databases import (
    database_occupied,
    field_key_problem,
    pending_migrations,
    pg_backup,
    pg_restore,
    schema_known,
    sqlite_backup,
    sqlite_restore,
)
from tradereg.core.backup.manifest import (
    DUMPS,
    MANIFEST,
    MEDIA,
    BackupError,
    Entry,
    Manifest,
    create_private,
    file_entry,
    hash_stream,
    safe_path,
)

# How often a long run of files reports how far it has come.
PROGRESS_EVERY = 100

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress: say nothing."""


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    chain: ChainReport
    # Migrations of this code that the restored database has not had yet.
    pending_migrations: list[str]
    # Empty, or why this installation's field key cannot open the restored personal data.
    field_key_problem: str = ""


# --- helpers --------------------------------------------------------------------------


def storage_walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in the storage, lazily (a missing media folder is an empty one)."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from storage_walk(storage, f"{path}/{directory}" if path else directory)


def _media_guard(storage: Storage, target: Path) -> None:
    """Refuse a storage folder that holds the data directory (its keys and the live
    database file would be copied as attachments) or the backup itself (it would copy
    itself)."""
    if not isinstance(storage, FileSystemStorage):
        return
    media = Path(storage.location).resolve()
    data = Path(settings.DATA_DIR).resolve()
    if media == target.resolve() or media in target.resolve().parents:
        raise BackupError(_("备份目录 %(dir)s 在 MEDIA_ROOT 之内，请放到别处") % {"dir": target})
    if media == data or media in data.parents:
        raise BackupError(
            _(
                "MEDIA_ROOT（%(media)s）包含数据目录 DATA_DIR，其中的密钥和数据库文件"
                "不能作为附件备份；请把 MEDIA_ROOT 设为单独的目录"
            )
            % {"media": media}
        )


# --- backup ---------------------------------------------------------------------------


def _prepare_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise BackupError(_("%(dir)s 不是目录") % {"dir": target})
    if target.exists() and any(target.iterdir()):
        if not force:
            raise BackupError(
                _("%(dir)s 不是空目录，拒绝覆盖；要覆盖其中的备份，请加 --force") % {"dir": target}
            )
        # The manifest first: a backup half replaced must not look complete.
        for name in (MANIFEST, *DUMPS.values()):
            (target / name).unlink(missing_ok=True)
        if (target / MEDIA).exists():
            shutil.rmtree(target / MEDIA)
    target.mkdir(parents=True, exist_ok=True, mode=0o700)


def backup_write(
    *,
    target: Path,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    storage: Storage | None = None,
    progress: Progress = _quiet,
) -> Manifest:
    """Write a backup of the database and every stored file into ``target``.

    The database is copied first, from one snapshot; the files afterwards, so a file
    stored in between is an extra, never a row without its file. A file the snapshot
    names but the storage no longer has is listed as ``missing``. Leaves a
    ``backup_created`` audit event (in the live database, after the snapshot).
    """
    storage = storage or default_storage
    connection = connections[using]
    if connection.vendor not in DUMPS:
        raise BackupError(_("不支持备份此数据库：%(vendor)s") % {"vendor": connection.vendor})
    if connection.in_atomic_block:
        raise BackupError(_("备份不能在一个未提交的事务中进行"))
    _media_guard(storage, target)
    _prepare_target(target, force)
    started = datetime.now(UTC)
    dump_name = DUMPS[connection.vendor]
    progress(_("数据库（%(vendor)s）→ %(file)s") % {"vendor": connection.vendor, "file": dump_name})
    if connection.vendor == "sqlite":
        schema, referenced = sqlite_backup(connection, target / dump_name)
    else:
        schema, referenced = pg_backup(connection, target / dump_name)
    entries = [file_entry(target, dump_name)]
    progress(
        _("数据库已备份：%(size)s 字节，SHA-256 %(sha)s")
        % {"size": entries[0].size, "sha": entries[0].sha256}
    )
    names = list(storage_walk(storage))
    progress(_("存储中共 %(count)s 个文件") % {"count": len(names)})
    copied: set[str] = set()
    for number, name in enumerate(names, 1):
        relative = f"{MEDIA}/{safe_path(name)}"
        try:
            with storage.open(name, "rb") as source, create_private(target / relative) as out:
                size, sha256 = hash_stream(source, copy_to=out)
        except FileNotFoundError:
            (target / relative).unlink(missing_ok=True)
            continue  # deleted since it was listed; if the snapshot names it, it is missing
        entries.append(Entry(path=relative, size=size, sha256=sha256))
        copied.add(name)
        if number % PROGRESS_EVERY == 0 or number == len(names):
            progress(_("文件 %(done)s / %(total)s") % {"done": number, "total": len(names)})
    manifest = Manifest(
        created_at=started.isoformat(timespec="seconds"),
        vendor=connection.vendor,
        schema=dict(sorted(schema.items())),
        files=entries,
        missing=sorted(set(referenced) - copied),
        field_key_ids=[key.kid for key in crypto.keyring().keys],
    )
    with create_private(target / f"{MANIFEST}.partial") as out:
        out.write(manifest.to_json().encode("utf-8"))
    (target / f"{MANIFEST}.partial").rename(target / MANIFEST)
    with transaction.atomic(using=using):
        audit_record(
            event="backup_created",
            object_type="backup",
            object_id=manifest.created_at,
            files=len(manifest.media),
            bytes=sum(entry.size for entry in entries),
            missing=len(manifest.missing),
        )
    progress(
        _("备份完成：%(dir)s（%(count)s 个文件，清单 %(manifest)s）")
        % {"dir": target, "count": len(entries), "manifest": MANIFEST}
    )
    progress(
        _("字段加密密钥（%(ids)s）不在备份中：请确认它另有保管，恢复时要用")
        % {"ids": ", ".join(manifest.field_key_ids)}
    )
    return manifest


# --- verify and restore ---------------------------------------------------------------


def backup_verify(*, source: Path, progress: Progress = _quiet) -> Manifest:
    """Read the manifest, check every file it lists (present, size, SHA-256) and that this
    code knows every migration the backup's schema had; refuse with every problem found.
    Changes nothing."""
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(
            _("%(dir)s 中没有 %(manifest)s：不是完整的备份（中断的备份不会写出清单）")
            % {"dir": source, "manifest": MANIFEST}
        )
    manifest = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
    problems = []
    for number, entry in enumerate(manifest.files, 1):
        path = source / entry.path
        if not path.is_file():
            problems.append(_("缺少文件 %(path)s") % {"path": entry.path})
            continue
        with path.open("rb") as handle:
            size, sha256 = hash_stream(handle)
        if size != entry.size or sha256 != entry.sha256:
            problems.append(_("校验和不符 %(path)s") % {"path": entry.path})
        if number % PROGRESS_EVERY == 0 or number == len(manifest.files):
            progress(
                _("校验 %(done)s / %(total)s") % {"done": number, "total": len(manifest.files)}
            )
    if problems:
        shown = "；".join(problems[:20])
        if len(problems) > 20:
            shown += _("……共 %(count)s 处") % {"count": len(problems)}
        raise BackupError(_("备份校验未通过，拒绝恢复：%(problems)s") % {"problems": shown})
    schema_known(manifest.schema)
    progress(
        _("备份校验通过：%(count)s 个文件的 SHA-256 全部相符（备份于 %(at)s）")
        % {"count": len(manifest.files), "at": manifest.created_at}
    )
    return manifest


def _restore_media(
    storage: Storage, source: Path, entries: list[Entry], progress: Progress
) -> None:
    for number, entry in enumerate(entries, 1):
        name = entry.path.removeprefix(f"{MEDIA}/")
        with (source / entry.path).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(
                _("存储把 %(name)s 存成了 %(saved)s：目标存储不是空的")
                % {"name": name, "saved": saved}
            )
        with storage.open(name, "rb") as stored:
            size, sha256 = hash_stream(stored)
        if size != entry.size or sha256 != entry.sha256:
            raise BackupError(_("恢复后的文件与备份不符：%(name)s") % {"name": name})
        if number % PROGRESS_EVERY == 0 or number == len(entries):
            progress(
                _("文件 %(done)s / %(total)s（已回读校验）")
                % {"done": number, "total": len(entries)}
            )


def backup_restore(
    *,
    source: Path,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    storage: Storage | None = None,
    progress: Progress = _quiet,
) -> RestoreReport:
    """Restore a verified backup into an empty installation (``force``: over a non-empty
    one, whose rows and files are replaced).

    The database comes back whole, the audit tables' triggers and hash chain included;
    every file is stored under its own name and read back against its checksum. Appends
    a ``backup_restored`` audit event, then verifies the chain.
    """
    storage = storage or default_storage
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError(_("恢复不能在一个未提交的事务中进行"))
    manifest = backup_verify(source=source, progress=progress)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            _("备份的数据库是 %(backup)s，目标是 %(target)s")
            % {"backup": manifest.vendor, "target": connection.vendor}
        )
    occupied = database_occupied(connection)
    # Without --force one file is enough to refuse; with it, every file is to be replaced.
    stored = list(islice(storage_walk(storage), None if force else 1))
    if not force and (occupied or stored):
        what = []
        if occupied:
            what.append(_("数据库中已有数据（%(tables)s）") % {"tables": ", ".join(occupied[:5])})
        if stored:
            what.append(_("存储中已有文件"))
        raise BackupError(
            _("目标不是空的安装：%(what)s。拒绝覆盖；确需覆盖，请加 --force")
            % {"what": "；".join(what)}
        )
    progress(_("恢复数据库 %(file)s …") % {"file": manifest.database.path})
    dump = source / manifest.database.path
    if connection.vendor == "sqlite":
        sqlite_restore(connection, dump)
    else:
        pg_restore(connection, dump)
    progress(_("数据库已恢复"))
    # Only now, with the database in (a failed restore leaves it as it was), do the files
    # that --force replaces go.
    for name in stored:
        storage.delete(name)
    if stored:
        progress(_("已删除存储中原有的 %(count)s 个文件") % {"count": len(stored)})
    _restore_media(storage, source, manifest.media, progress)
    with transaction.atomic(using=using):
        audit_record(
            event="backup_restored",
            object_type="backup",
            object_id=manifest.created_at,
            files=len(manifest.media),
            forced=force,
        )
    return RestoreReport(
        manifest=manifest,
        chain=chain_verify(using=using),
        pending_migrations=pending_migrations(connection),
        field_key_problem=field_key_problem(connection, manifest.field_key_ids),
    )
