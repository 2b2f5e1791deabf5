"""The public registry read from a real PostgreSQL hot standby (issue 10, decision 0022).

A primary of its own, configured with deploy/postgresql/ (``wal_level = replica``, a
``replicator`` role and its replication entry in pg_hba), and a standby made from it with
``pg_basebackup -R`` through a replication slot, each on a free port in a temporary
directory that is removed whatever happens. A `manage.py shell`
subprocess runs with DATABASE_URL on the primary and DATABASE_REPLICA_URL on the standby,
as production does: it migrates the primary (the standby replays the schema), approves a
filing through the real services, waits until the standby has replayed the primary's WAL,
then looks the operator up — through the selector and through /operators/ — and reports
which connection served each read.

Runs once per CI run, in the PostgreSQL pass (DATABASE_URL is PostgreSQL); on SQLite it
is skipped. Without the PostgreSQL binaries it is skipped, or fails when CI is set.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tradereg.conftest import free_port
from tradereg.core.dbrouter import REPLICA, public_reads
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing
from tradereg.notifications.tests.processes import ROOT, wait_until
from tradereg.registry import selectors
from tradereg.registry.models import OperatorNameGram, PublishedOperator

pytestmark = [
    pytest.mark.xdist_group("replica"),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="runs once per CI run, in the PostgreSQL pass (it starts servers of its own)",
    ),
]

OPERATORS_TABLE = PublishedOperator._meta.db_table
GRAMS_TABLE = OperatorNameGram._meta.db_table
POSTGRES_DEPLOY = ROOT / "deploy" / "postgresql"


def pg_bin() -> Path | None:
    """Debian's newest server binaries (they are not on PATH)."""
    found = [
        path
        for path in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup"))
    ]
    return found[-1] if found else None


# --- run inside `manage.py shell` with DATABASE_URL and DATABASE_REPLICA_URL set ----------


def _replica_sql(capture: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in capture.captured_queries]


def scenario() -> None:
    """Migrate the primary, approve a filing on it, wait for the replay, read it back;
    print what each connection served. One process: each start of Django costs seconds."""
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_reference_data", verbosity=0)
    filing = make_filing(status=Status.APPROVED)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        # The insert position, not pg_current_wal_lsn(): with synchronous_commit off the
        # approval's commit record may not have been written out yet.
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        primary_lsn = cursor.fetchone()[0]

    def replayed() -> bool:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [primary_lsn])
            return bool(cursor.fetchone()[0])

    wait_until(replayed, within=20, what=f"the standby replaying up to {primary_lsn}")

    def in_recovery(alias: str) -> bool:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            return bool(cursor.fetchone()[0])

    result: dict = {
        "ie_code": filing.ie_code,
        "name_cn": filing.approved_revision.name_cn,
        "recovery": {alias: in_recovery(alias) for alias in (DEFAULT_DB_ALIAS, REPLICA)},
    }

    with public_reads(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        page = selectors.operator_search(query=filing.ie_code)
    result["selector"] = {
        "found": [row.name_cn for row in page.all_rows],
        "replica_sql": _replica_sql(on_replica),
    }

    name_fragment = filing.approved_revision.name_cn[:4]
    with public_reads(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        page = selectors.operator_search(query=name_fragment)
    result["name_search"] = {
        "found": [row.name_cn for row in page.all_rows],
        "replica_sql": _replica_sql(on_replica),
    }

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = Client().get("/operators/", {"q": filing.ie_code})
    result["page"] = {
        "status": response.status_code,
        "shows_name": filing.approved_revision.name_cn in response.content.decode(),
        "replica_sql": _replica_sql(on_replica),
    }

    with (
        transaction.atomic(),
        public_reads(),
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
    ):
        page = selectors.operator_search(query=filing.ie_code)
    result["in_transaction"] = {
        "found": [row.name_cn for row in page.all_rows],
        "replica_sql": _replica_sql(on_replica),
        "default_sql": _replica_sql(on_default),
    }

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        # What a staff page does (tradereg/office/selectors.py): not a public page.
        staff_read = PublishedOperator.objects.filter(filing_id=filing.pk).exists()
    result["staff"] = {"found": staff_read, "replica_sql": _replica_sql(on_replica)}
    print("RESULT " + json.dumps(result, ensure_ascii=False))


# --- the primary and its standby -----------------------------------------------------------


@dataclass
class Cluster:
    """A primary and its hot standby in ``folder``; the processes run as ``postgres``
    when the test runs as root (initdb refuses root)."""

    folder: Path
    bin: Path
    primary_port: int = 0
    standby_port: int = 0
    password: str = ""

    def run(self, *args: str, env: dict | None = None) -> str:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", **(env or {})},
            check=False,
        )
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}\n{done.stderr}"
        return done.stdout

    def psql(self, *statements: str) -> str:
        return self.run(
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.folder),
            "-p", str(self.primary_port), "-U", "postgres", "-d", "postgres",
            *(arg for statement in statements for arg in ("-c", statement)),
        )  # fmt: skip

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        primary, standby = self.folder / "primary", self.folder / "standby"
        self.run(
            "initdb", f"--pgdata={primary}", "--username=postgres", "--encoding=UTF8",
            "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        # deploy/postgresql/primary.conf, then what differs on a test machine: loopback,
        # the sockets in the folder, durability off (test data). The standby inherits
        # both through the base backup.
        self.append(
            primary / "postgresql.conf",
            (POSTGRES_DEPLOY / "primary.conf").read_text() + "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
        )
        # deploy/postgresql/pg_hba.conf with loopback for every host, and nothing else
        # over TCP: the application and the standby get in through those lines only.
        hba = re.sub(
            r"10\.\d+\.\d+\.\d+/\d+", "127.0.0.1/32", (POSTGRES_DEPLOY / "pg_hba.conf").read_text()
        )
        (primary / "pg_hba.conf").write_text(
            "local all all trust\nlocal replication all trust\n" + hba
        )
        self.primary_port = free_port()
        self.pg_ctl(primary, self.primary_port)
        self.password = os.urandom(12).hex()
        self.psql(
            f"CREATE ROLE tradereg LOGIN PASSWORD '{self.password}'",
            "CREATE DATABASE tradereg OWNER tradereg TEMPLATE template0",
            f"CREATE ROLE replicator REPLICATION LOGIN PASSWORD '{self.password}'",
        )
        self.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U",
            "replicator", "-D", str(standby), "-R", "-C", "-S", "replica1", "-X", "stream",
            "--checkpoint=fast",
            env={"PGPASSWORD": self.password},
        )  # fmt: skip
        self.append(standby / "postgresql.conf", (POSTGRES_DEPLOY / "standby.conf").read_text())
        self.standby_port = free_port()
        self.pg_ctl(standby, self.standby_port)

    def append(self, path: Path, text: str) -> None:
        with path.open("a") as conf:
            conf.write(text)

    def pg_ctl(self, data: Path, port: int) -> None:
        self.run(
            "pg_ctl", "start", f"--pgdata={data}", f"--log={data}.log", "--wait",
            "--timeout=30", "--silent", "-o", f"-p {port}",
        )  # fmt: skip

    def stop(self) -> None:
        for data in ("standby", "primary"):
            if (self.folder / data / "postmaster.pid").exists():
                self.run(
                    "pg_ctl", "stop", f"--pgdata={self.folder / data}", "--mode=immediate",
                    "--wait", "--silent",
                )  # fmt: skip

    def url(self, port: int) -> str:
        return f"postgres://tradereg:{self.password}@127.0.0.1:{port}/tradereg"


@pytest.fixture
def cluster():
    binaries = pg_bin()
    if binaries is None:
        message = "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # A short path: both servers' Unix sockets live in it.
    server = Cluster(Path(tempfile.mkdtemp(prefix="pg-replica.", dir="/tmp")), binaries)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(server.folder, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_public_registry_reads_the_standby_once_replayed(cluster, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url(cluster.primary_port),
        "DATABASE_REPLICA_URL": cluster.url(cluster.standby_port),
        "DATA_DIR": str(tmp_path / "data"),
        "ALLOWED_HOSTS": "testserver",
        "PYTHONUNBUFFERED": "1",
    }
    out = manage(env, "shell", "-c", f"from {__name__} import scenario; scenario()")
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))

    # The replica connection is the standby: read-only, in recovery.
    assert result["recovery"] == {"default": False, "replica": True}
    # The selector found the operator approved on the primary, reading the standby.
    assert result["selector"]["found"] == [result["name_cn"]]
    assert any(OPERATORS_TABLE in sql for sql in result["selector"]["replica_sql"])
    # /operators/ goes through the middleware: the page shows it, read from the standby.
    # The name search's own SQL (postings and recheck) reads the standby too.
    assert result["name_search"]["found"] == [result["name_cn"]]
    assert any(GRAMS_TABLE in sql for sql in result["name_search"]["replica_sql"])
    assert result["page"]["status"] == 200
    assert result["page"]["shows_name"]
    assert any(OPERATORS_TABLE in sql for sql in result["page"]["replica_sql"])
    # Inside a transaction the same read stays on the primary.
    assert result["in_transaction"]["found"] == [result["name_cn"]]
    assert result["in_transaction"]["replica_sql"] == []
    assert any(OPERATORS_TABLE in sql for sql in result["in_transaction"]["default_sql"])
    # A read outside a public page never goes to the standby.
    assert result["staff"] == {"found": True, "replica_sql": []}
