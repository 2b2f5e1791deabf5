"""Backups that restore (issue 9), on whichever database the suite runs on (SQLite and
PostgreSQL in CI): a register built through the real transitions is backed up with
``manage.py backup``, the installation's files are wiped, and ``manage.py restore``
run in another process puts it into an installation that has nothing — a database file
that does not exist yet, or a PostgreSQL database just created — after which every
row, file, the registry and the audit chain (``manage.py audit_verify``) are there.
"""

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from PIL import Image
from psycopg import sql

from tradereg.common import crypto
from tradereg.core.backup import BackupError, backup_write
from tradereg.core.tests.backup_facts import installation_facts
from tradereg.filings import services
from tradereg.filings.models import Attachment, Status
from tradereg.filings.tests.factories import make_change_reported, make_filing
from tradereg.filings.tests.s3 import SECRET_KEY as S3_SECRET
from tradereg.filings.tests.s3 import MotoS3

ROOT = Path(__file__).resolve().parents[3]
RESTORED_STATE = (
    "import json; from tradereg.core.tests.backup_facts import restored_state;"
    "print(json.dumps(restored_state()))"
)
SCRUBBED = ("DJANGO", "TRADEREG", "DATABASE_URL", "DATA_DIR", "MEDIA_", "S3_", "FIELD_ENC")


def field_key_env() -> dict[str, str]:
    """This installation's field keys, as an operator brings them back from where they
    are kept apart from the backups."""
    keys = [base64.urlsafe_b64encode(key.secret).decode() for key in crypto.keyring().keys]
    return {"FIELD_ENCRYPTION_KEY": keys[0], "FIELD_ENCRYPTION_OLD_KEYS": ",".join(keys[1:])}


@dataclass
class Installation:
    """A second installation, run as manage.py in its own processes."""

    env: dict[str, str]

    def manage(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        base = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**base, **self.env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def state(self, **extra: str) -> dict[str, Any]:
        result = self.manage("shell", "--verbosity", "0", "-c", RESTORED_STATE, **extra)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def empty_installation(tmp_path) -> Iterator[Installation]:
    """Nothing at all: a data and a media folder that do not exist, and a database that
    does not exist either (SQLite) or was just created on the same server (PostgreSQL)."""
    folder = tmp_path / "restored"
    env = {"DATA_DIR": str(folder / "data"), "MEDIA_ROOT": str(folder / "media")}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{folder / 'data' / 'tradereg.sqlite3'}"
        yield Installation(env)
        return
    config = connection.settings_dict
    name = f"tradereg_restore_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"],
        user=config["USER"],
        password=config["PASSWORD"],
        dbname=config["NAME"],
        autocommit=True,
    )
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    user, password = quote(config["USER"], safe=""), quote(config["PASSWORD"], safe="")
    env["DATABASE_URL"] = f"postgres://{user}:{password}@{config['HOST']}:{config['PORT']}/{name}"
    try:
        yield Installation(env)
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.close()


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    out.seek(0)
    out.name = "现场照片.png"
    return out


def build_register() -> None:
    """Filed, attached, reported, approved, changed, returned: through the services."""
    make_filing(status=Status.APPROVED)
    make_change_reported()
    returned = make_filing(status=Status.RETURNED)
    picture = png()
    services.attachment_add(
        filing=returned,
        acting_user=returned.owner,
        kind="other",
        uploaded=SimpleUploadedFile(picture.name, picture.getvalue(), "image/png"),
    )


def backup(target: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("backup", str(target), *args, stdout=out)
    return out.getvalue()


def assert_same_register(restored: dict[str, Any], before: dict[str, Any]) -> None:
    """Everything equal; the audit trail is the one backed up, plus one backup_restored."""
    for key in ("tables", "files", "attachments", "filings", "history", "registry", "forms"):
        assert restored[key] == before[key], key
    assert restored["audit"][: len(before["audit"])] == before["audit"]
    assert [event for event, _hash in restored["audit"][len(before["audit"]) :]] == [
        "backup_restored"
    ]


@pytest.mark.django_db(transaction=True)
def test_round_trip_gives_back_every_filing_its_history_files_registry_and_audit_chain(
    reference_data, settings, tmp_path, empty_installation
):
    build_register()
    before = installation_facts()
    assert {status for _no, status, *_rest in before["filings"]} >= {"approved", "reported"}
    assert len(before["history"]) >= 10
    assert len(before["attachments"]) >= 7
    assert len(before["registry"]) == 2
    assert len(before["forms"]) == 2
    assert len(before["files"]) == len(before["attachments"])

    folder = tmp_path / "backup"
    printed = backup(folder)
    assert "数据库已备份" in printed
    assert f"文件 {len(before['files'])} / {len(before['files'])}" in printed
    manifest = json.loads((folder / "manifest.json").read_text())
    applied = MigrationRecorder(connection).applied_migrations()
    assert manifest["schema"]["filings"] == max(n for app, n in applied if app == "filings")
    assert manifest["vendor"] == connection.vendor
    assert {e["path"] for e in manifest["files"]} == {
        "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump",
        *(f"media/{name}" for name in before["files"]),
    }

    # Wipe: the files are gone, and the restore goes where there is no database yet.
    shutil.rmtree(settings.MEDIA_ROOT)
    result = empty_installation.manage("restore", str(folder), **field_key_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "备份校验通过" in result.stdout
    assert "恢复成功" in result.stdout

    restored = empty_installation.state(**field_key_env())
    assert_same_register(restored["facts"], before)
    assert restored["audit_update_refused"] is True
    verified = empty_installation.manage("audit_verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK")
    media = Path(empty_installation.env["MEDIA_ROOT"])
    for name in before["files"]:
        assert (media / name).read_bytes() == (folder / "media" / name).read_bytes()


@pytest.fixture(scope="module")
def s3():
    server = MotoS3.start()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_round_trip_with_attachments_on_s3_into_a_migrated_empty_installation(
    reference_data, settings, tmp_path, empty_installation, s3
):
    source = s3.bucket()
    settings.STORAGES = s3.storages(settings, source)
    settings.MEDIA_STORAGE = "s3"
    make_filing(status=Status.APPROVED)
    before = installation_facts()
    assert len(before["files"]) == 2
    folder = tmp_path / "backup"
    backup(folder)
    s3.empty(source)

    target = s3.bucket()
    installation = Installation({**empty_installation.env, **s3.env(target)})
    # A release migrates first: a migrated database with no rows of ours is empty too.
    assert installation.manage("migrate", "--verbosity", "0", **field_key_env()).returncode == 0
    result = installation.manage("restore", str(folder), **field_key_env())
    assert result.returncode == 0, result.stdout + result.stderr

    stored = s3.objects(target)
    assert stored == {name: (folder / "media" / name).read_bytes() for name in before["files"]}
    assert all(s3.public_grants(target, key) == [] for key in stored)
    assert_same_register(installation.state(**field_key_env())["facts"], before)
    assert installation.manage("audit_verify").returncode == 0

    text = (folder / "manifest.json").read_text()
    for secret in (S3_SECRET, settings.SECRET_KEY, *field_key_env().values()):
        assert not secret or secret not in text
    if connection.vendor == "postgresql":
        assert connection.settings_dict["PASSWORD"] not in text


@pytest.mark.django_db(transaction=True)
def test_restore_without_the_field_key_says_so_and_makes_no_key(
    reference_data, tmp_path, empty_installation
):
    make_filing(status=Status.APPROVED)
    before = installation_facts()
    folder = tmp_path / "backup"
    printed = backup(folder)
    assert "字段加密密钥" in printed
    key_ids = json.loads((folder / "manifest.json").read_text())["field_key_ids"]
    assert key_ids == [key.kid for key in crypto.keyring().keys]

    result = empty_installation.manage("restore", str(folder))
    assert result.returncode == 1
    assert "没有字段加密密钥" in result.stderr
    assert key_ids[0] in result.stderr
    assert not (Path(empty_installation.env["DATA_DIR"]) / "field_encryption_key").exists()
    # With the key back in place, the restored ID numbers open.
    assert_same_register(empty_installation.state(**field_key_env())["facts"], before)


@pytest.mark.django_db(transaction=True)
def test_refusals_leave_the_installation_as_it_was_and_force_overwrites(
    reference_data, settings, tmp_path
):
    make_filing(status=Status.APPROVED)
    folder = tmp_path / "backup"
    backup(folder)

    with pytest.raises(CommandError, match="不是空目录"):
        backup(folder)
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a backup")
    with pytest.raises(CommandError, match="不是空目录"):
        backup(foreign)
    # The facts before the backup restored below (its own backup_created comes after).
    before = installation_facts()
    backup(folder, "--force")
    unchanged = installation_facts()

    attachment = json.loads((folder / "manifest.json").read_text())["files"][1]["path"]
    dump = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"

    def flip_a_byte(copy: Path) -> None:
        data = bytearray((copy / attachment).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / attachment).write_bytes(bytes(data))

    def truncate_the_dump(copy: Path) -> None:
        (copy / dump).write_bytes((copy / dump).read_bytes()[:-100])

    def edit_manifest(copy: Path, change) -> None:
        manifest = json.loads((copy / "manifest.json").read_text())
        change(manifest)
        (copy / "manifest.json").write_text(json.dumps(manifest))

    damages = [
        (flip_a_byte, f"校验和不符 {attachment}"),
        (lambda copy: (copy / attachment).unlink(), f"缺少文件 {attachment}"),
        (truncate_the_dump, f"校验和不符 {dump}"),
        (lambda copy: (copy / "manifest.json").unlink(), "没有 manifest.json"),
        (
            lambda copy: edit_manifest(
                copy, lambda m: m["schema"].update(filings="9999_from_the_future")
            ),
            "备份来自更新的程序版本",
        ),
        (
            lambda copy: edit_manifest(
                copy, lambda m: m["files"].append({"path": "../x", "size": 0, "sha256": ""})
            ),
            "路径不安全",
        ),
    ]
    for number, (damage, message) in enumerate(damages):
        copy = tmp_path / f"damaged-{number}"
        shutil.copytree(folder, copy)
        damage(copy)
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(copy), "--force", stdout=io.StringIO())
        with pytest.raises(CommandError, match=message):
            call_command("restore", str(copy), "--verify-only", stdout=io.StringIO())
    assert installation_facts() == unchanged

    with pytest.raises(CommandError, match="目标不是空的安装"):
        call_command("restore", str(folder), stdout=io.StringIO())
    out = io.StringIO()
    call_command("restore", str(folder), "--force", stdout=out)
    assert "已删除存储中原有的" in out.getvalue()
    assert_same_register(installation_facts(), before)
    call_command("audit_verify", stdout=io.StringIO())

    # A file the database names but the storage lost: the backup says so and fails.
    lost = Attachment.objects.first()
    lost.file.storage.delete(lost.file.name)
    with pytest.raises(CommandError, match="1 个文件在存储中不存在"):
        backup(folder, "--force")
    assert json.loads((folder / "manifest.json").read_text())["missing"] == [lost.file.name]


def test_a_media_folder_holding_the_data_directory_or_the_backup_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(BackupError, match="在 MEDIA_ROOT 之内"):
        backup_write(target=tmp_path / "media" / "backup")
    settings.DATA_DIR = tmp_path / "site" / "data"
    settings.MEDIA_ROOT = tmp_path / "site"
    with pytest.raises(BackupError, match="包含数据目录"):
        backup_write(target=tmp_path / "elsewhere")
    assert not (tmp_path / "elsewhere").exists()
    assert not (tmp_path / "media" / "backup").exists()
