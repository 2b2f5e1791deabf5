"""The database half of a backup: SQLite's online backup API or pg_dump / pg_restore,
what a snapshot refers to, and whether an installation's database is empty."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from tradereg.common import crypto
from tradereg.common.fields import EncryptedCharField
from tradereg.core.backup.manifest import BackupError, create_private


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_state(cursor: Any, tables: set[str]) -> tuple[dict[str, str], list[str]]:
    """The latest migration per app and every file name the database refers to, read
    through ``cursor`` (a DB-API cursor on the snapshot being backed up)."""
    cursor.execute("SELECT app, name FROM django_migrations")
    schema: dict[str, str] = {}
    for app, name in cursor.fetchall():
        schema[app] = max(name, schema.get(app, ""))
    columns = {
        (model._meta.db_table, str(field.column))
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


def pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
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


def run_tool(args: list[str], env: dict[str, str]) -> None:
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


def sqlite_backup(connection: BaseDatabaseWrapper, dump: Path) -> tuple[dict[str, str], list[str]]:
    """Copy the live database with SQLite's online backup API (one consistent snapshot,
    writers keep going in WAL mode); returns its schema and file names, read from the copy
    so that they are exactly the copy's."""
    connection.ensure_connection()
    with create_private(dump):
        pass
    copy = sqlite3.connect(dump)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(_("数据库副本检查未通过（PRAGMA quick_check）"))
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        return read_state(copy.cursor(), tables)
    finally:
        copy.close()


def pg_backup(connection: BaseDatabaseWrapper, dump: Path) -> tuple[dict[str, str], list[str]]:
    """pg_dump (custom format) of a snapshot exported from a read-only REPEATABLE READ
    transaction, in which the schema and the file names are read too: the dump and the
    list of files it refers to are of the same moment."""
    tool = pg_tool("pg_dump")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = read_state(cursor, set(connection.introspection.table_names(cursor)))
        with create_private(dump):
            pass
        run_tool(
            [
                tool,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={connection.settings_dict['NAME']}",
            ],
            env=pg_env(connection),
        )
    return state


def schema_known(schema: dict[str, str]) -> None:
    """Refuse a backup made by newer code: this code could not run on its schema (older
    backups are fine, ``migrate`` brings them up)."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(f"{app}.{name}" for app, name in schema.items() if (app, name) not in known)
    if unknown:
        raise BackupError(
            _("备份来自更新的程序版本（本程序没有迁移 %(names)s）：请先安装与备份相同或更新的版本")
            % {"names": ", ".join(unknown)}
        )


def sqlite_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    """Copy the backup into the database file with the backup API: the whole file is
    replaced in one step, triggers, the purge gate table and the chain included."""
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


def pg_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    """pg_restore in one transaction (an error leaves the database as it was), objects
    owned by this installation's role; the audit triggers are created after the rows are
    loaded, as pg_dump orders them, so they never see the load."""
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
    run_tool([*args, str(dump)], env=pg_env(connection))


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
                name, table = _quote(str(column.column)), _quote(model._meta.db_table)
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


def pending_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    """Migrations of this code that the database has not had yet."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
