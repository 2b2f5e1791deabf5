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

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from tradereg.audit.selectors import ChainReport, chain_verify
from tradereg.audit.services import audit_record
from tradereg.common import crypto
from tradereg.common.fields import EncryptedCharField

FORMAT = "tradereg-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024
# How often a long run of files reports how far it has come.
PROGRESS_EVERY = 100

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default progress: say nothing."""


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
            _safe_path(entry.path)
        return manifest


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    chain: ChainReport
    # Migrations of this code that the restored database has not had yet.
    pending_migrations: list[str]
    # Empty, or why this installation's field key cannot open the restored personal data.
    field_key_problem: str = ""


# --- helpers --------------------------------------------------------------------------


def _safe_path(path: str) -> PurePosixPath:
    """A relative path that stays inside the folder (a tampered manifest cannot escape)."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise BackupError(_("备份中的路径不安全：%(path)s") % {"path": path})
    return pure


def _create(path: Path) -> IO[bytes]:
    """A new file readable by its owner only: the backup holds personal data."""
    for folder in reversed(path.parents):
        if not folder.exists():
            folder.mkdir(mode=0o700)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _hash_stream(handle: IO[bytes], copy_to: IO[bytes] | None = None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return size, digest.hexdigest()


def _entry(folder: Path, relative: str) -> Entry:
    with (folder / relative).open("rb") as handle:
        size, sha256 = _hash_stream(handle)
    return Entry(path=relative, size=size, sha256=sha256)


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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_state(cursor: Any, tables: set[str]) -> tuple[dict[str, str], list[str]]:
    """The latest migration per app and every file name the database refers to, read
    through ``cursor`` (a DB-API cursor on the snapshot being backed up)."""
    cursor.execute("SELECT app, name FROM django_migrations")
    schema: dict[str, str] = {}
    for app, name in cursor.fetchall():
        schema[app] = max(name, schema.get(app, ""))
    columns = {
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and model._meta.db_table in tables
    }
    referenced: list[str] = []
    for table, column in sorted(columns):
        # Names from the models' own metadata, never from input.
        cursor.execute(
            f"SELECT {_quote(column)} FROM {_quote(table)} "  # noqa: S608
            f"WHERE {_quote(column)} <> ''"
        )
        referenced.extend(row[0] for row in cursor.fetchall())
    return schema, referenced


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: from PG_BIN, else the newest Debian server directory (it can
    dump any older server), else the PATH."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]) / name)

    def version(path: Path) -> int:
        number = path.parts[-3]
        return int(number) if number.isdigit() else 0

    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version)[::-1]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        _(
            "找不到 %(tool)s：请安装 PostgreSQL 客户端（Debian：postgresql-client），"
            "或用 PG_BIN 指明其目录"
        )
        % {"tool": name}
    )


def _pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The connection's settings as libpq variables: no password on a command line."""
    config = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "service"):
        value = (config.get("OPTIONS") or {}).get(option)
        if value:
            env[f"PG{option.upper()}"] = str(value)
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s 失败：%(error)s")
            % {"tool": Path(args[0]).name, "error": result.stderr.strip()[-2000:]}
        )


def _our_tables(existing: set[str]) -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_config.name.startswith("tradereg.")
        }
        & existing
    )


def database_occupied(connection: BaseDatabaseWrapper) -> list[str]:
    """Our tables that hold rows; none means an empty installation (a database just
    migrated has rows in Django's own tables only)."""
    existing = set(connection.introspection.table_names())
    occupied = []
    with connection.cursor() as cursor:
        for table in _our_tables(existing):
            cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                occupied.append(table)
    return occupied


def _media_guard(storage: Storage) -> None:
    """Refuse a storage folder that holds the data directory: its keys and the live
    database file would be copied as attachments."""
    if not isinstance(storage, FileSystemStorage):
        return
    media = Path(storage.location).resolve()
    data = Path(settings.DATA_DIR).resolve()
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


def _sqlite_backup(connection: BaseDatabaseWrapper, dump: Path) -> tuple[dict[str, str], list]:
    connection.ensure_connection()
    with _create(dump):
        pass
    copy = sqlite3.connect(dump)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(_("数据库副本检查未通过（PRAGMA quick_check）"))
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        return _read_state(copy.cursor(), tables)
    finally:
        copy.close()


def _pg_backup(connection: BaseDatabaseWrapper, dump: Path) -> tuple[dict[str, str], list]:
    tool = pg_tool("pg_dump")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _read_state(cursor, set(connection.introspection.table_names(cursor)))
        with _create(dump):
            pass
        _run(
            [
                tool,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={connection.settings_dict['NAME']}",
            ],
            env=_pg_env(connection),
        )
    return state


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
    _media_guard(storage)
    _prepare_target(target, force)
    started = datetime.now(UTC)
    dump_name = DUMPS[connection.vendor]
    progress(_("数据库（%(vendor)s）→ %(file)s") % {"vendor": connection.vendor, "file": dump_name})
    if connection.vendor == "sqlite":
        schema, referenced = _sqlite_backup(connection, target / dump_name)
    else:
        schema, referenced = _pg_backup(connection, target / dump_name)
    entries = [_entry(target, dump_name)]
    progress(
        _("数据库已备份：%(size)s 字节，SHA-256 %(sha)s")
        % {"size": entries[0].size, "sha": entries[0].sha256}
    )
    names = list(storage_walk(storage))
    progress(_("存储中共 %(count)s 个文件") % {"count": len(names)})
    copied: set[str] = set()
    for number, name in enumerate(names, 1):
        relative = f"{MEDIA}/{_safe_path(name)}"
        try:
            with storage.open(name, "rb") as source, _create(target / relative) as out:
                size, sha256 = _hash_stream(source, copy_to=out)
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
    with _create(target / f"{MANIFEST}.partial") as out:
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
            size, sha256 = _hash_stream(handle)
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
    _schema_known(manifest.schema)
    progress(
        _("备份校验通过：%(count)s 个文件的 SHA-256 全部相符（备份于 %(at)s）")
        % {"count": len(manifest.files), "at": manifest.created_at}
    )
    return manifest


def _schema_known(schema: dict[str, str]) -> None:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(f"{app}.{name}" for app, name in schema.items() if (app, name) not in known)
    if unknown:
        raise BackupError(
            _("备份来自更新的程序版本（本程序没有迁移 %(names)s）：请先安装与备份相同或更新的版本")
            % {"names": ", ".join(unknown)}
        )


def _sqlite_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("不能恢复到内存数据库"))
    connection.close()
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(name, timeout=20)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    has_tables = bool(connection.introspection.table_names())
    connection.close()
    args = [
        pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={connection.settings_dict['NAME']}",
    ]
    if has_tables:
        # A migrated, empty database (or one overwritten with --force): replace its objects.
        args += ["--clean", "--if-exists"]
    _run([*args, str(dump)], env=_pg_env(connection))


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
            size, sha256 = _hash_stream(stored)
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
    for name in stored:
        storage.delete(name)
    if stored:
        progress(_("已删除存储中原有的 %(count)s 个文件") % {"count": len(stored)})
    progress(_("恢复数据库 %(file)s …") % {"file": manifest.database.path})
    dump = source / manifest.database.path
    if connection.vendor == "sqlite":
        _sqlite_restore(connection, dump)
    else:
        _pg_restore(connection, dump)
    progress(_("数据库已恢复"))
    _restore_media(storage, source, manifest.media, progress)
    with transaction.atomic(using=using):
        audit_record(
            event="backup_restored",
            object_type="backup",
            object_id=manifest.created_at,
            files=len(manifest.media),
            forced=force,
        )
    chain = chain_verify(using=using)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreReport(
        manifest=manifest,
        chain=chain,
        pending_migrations=[f"{migration.app_label}.{migration.name}" for migration, _b in plan],
        field_key_problem=field_key_problem(connection, manifest.field_key_ids),
    )


def _sealed_sample(connection: BaseDatabaseWrapper) -> tuple[str, str] | None:
    """One sealed value as stored and its field's context, read raw (without opening)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for column in model._meta.concrete_fields:
                if not isinstance(column, EncryptedCharField):
                    continue
                if model._meta.db_table not in existing:
                    continue
                name, table = _quote(column.column), _quote(model._meta.db_table)
                cursor.execute(
                    f"SELECT {name} FROM {table} WHERE {name} <> '' LIMIT 1"  # noqa: S608
                )
                row = cursor.fetchone()
                if row:
                    return row[0], column.context
    return None


def field_key_problem(connection: BaseDatabaseWrapper, needed: list[str]) -> str:
    """Empty if this installation's field key opens the restored personal data; else what
    to do. Never makes a key: a new one would seal new data under the wrong key."""
    sample = _sealed_sample(connection)
    if sample is None:
        return ""
    where = _(
        "把备份时所用的密钥（%(ids)s）放回：嵌入模式为 %(file)s，生产环境为 FIELD_ENCRYPTION_KEY"
    ) % {
        "ids": ", ".join(needed) or "—",
        "file": crypto.key_file_path(),
    }
    if not settings.FIELD_ENCRYPTION_KEY and not crypto.key_file_path().exists():
        return _("本安装没有字段加密密钥，恢复的证件号无法读取。") + where
    try:
        crypto.keyring().open(*sample)
    except crypto.DecryptionFailed:
        return _("本安装的字段加密密钥打不开恢复的证件号。") + where
    return ""
