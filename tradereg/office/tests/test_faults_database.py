"""PostgreSQL restarted in the middle of a run of 上报 and 审核通过 (issue 9).

PostgreSQL only: SQLite has no server to restart, so on SQLite this test is skipped; it
runs in CI's PostgreSQL pass. It needs a server of its own, because restarting the one
the suite runs on would break the tests of the other test process running beside it:
``scripts/pg-test-server`` starts one in a temporary directory, and stops and starts it
again (a fast shutdown: open transactions are rolled back, sessions are cut) while the
clients work.

Real processes and real HTTP: the database is migrated and filled by `manage.py`
subprocesses, gunicorn serves it as in production (gthread, persistent connections with
health checks), and clients in three threads log in (officers with their 动态验证码) and
press 上报 and 审核通过 through HTTP. Requests during the restart must fail cleanly — a 5xx
page or a refused connection — and every change the server acknowledged must be there
afterwards with its history; no filing may be left half-way.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.totp import hex_to_b32, totp_code
from tradereg.audit.models import AuditEvent
from tradereg.audit.selectors import chain_verify
from tradereg.conftest import free_port
from tradereg.filings.models import Filing, FilingEvent
from tradereg.filings.tests.factories import (
    PASSWORD,
    attach_required,
    authority,
    make_filing,
)
from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.tests.processes import ROOT, process_env, wait_until
from tradereg.registry.models import PublishedOperator

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="PostgreSQL only (SQLite has no server to restart); runs in CI's PostgreSQL pass",
)

SCRIPT = ROOT / "scripts" / "pg-test-server"
CLIENTS = 3
FILINGS_PER_CLIENT = 4
CODE = "110000"  # 北京市商务局
REPORTED_PAGE = "/my/filings/"  # where a successful 上报 leads


# --- run inside `manage.py shell` against the test's own server --------------------------


def world_build() -> None:
    """Officers with a bound authenticator and draft filings with both attachments."""
    world = {"officers": [], "filings": []}
    for n in range(CLIENTS):
        officer = staff_user_create(
            username=f"restart-officer-{n}",
            password=PASSWORD,
            role=User.Role.OFFICER,
            authority=authority(CODE),
        )
        device = TOTPDevice.objects.create(user=officer, name="authenticator", confirmed=True)
        world["officers"].append({"username": officer.username, "key": hex_to_b32(device.key)})
    for _ in range(CLIENTS * FILINGS_PER_CLIENT):
        filing = make_filing(code=CODE)
        attach_required(filing)
        world["filings"].append({"pk": filing.pk, "username": filing.owner.username})
    print("WORLD " + json.dumps(world))


def world_inspect() -> None:
    """Everything the assertions need, read back after the run."""
    filings = {}
    for filing in Filing.objects.all():
        filings[filing.pk] = {
            "status": filing.status,
            "form_no": filing.form_no,
            "events": list(filing.events.order_by("id").values_list("kind", flat=True)),
            "audit": list(
                AuditEvent.objects.filter(filing_id=filing.pk)
                .order_by("id")
                .values_list("event", flat=True)
            ),
            "published": PublishedOperator.objects.filter(form_no=filing.form_no).count()
            if filing.form_no
            else 0,
            "approved_mail": OutboundEmail.objects.filter(
                template="filings/emails/filing_approved", to=filing.current_revision.email
            ).count(),
        }
    report = chain_verify()
    print("STATE " + json.dumps({"filings": filings, "chain_ok": report.ok}))


# --- the test's own PostgreSQL server ----------------------------------------------------


@dataclass
class Postgres:
    folder: Path
    port: int
    url: str = ""

    def _script(self, *args: str) -> str:
        done = subprocess.run(
            ["bash", str(SCRIPT), *args], capture_output=True, text=True, check=True, timeout=120
        )
        return done.stdout

    def start(self) -> None:
        exports = self._script("start", str(self.folder), str(self.port))
        self.url = re.search(r"export DATABASE_URL=(\S+)", exports).group(1).strip("'")

    def stop(self) -> None:
        self._script("stop", "--keep", str(self.folder))

    def remove(self) -> None:
        self._script("stop", str(self.folder))


@pytest.fixture
def postgres():
    # A short path: the server's Unix socket lives in it (at most 80 characters).
    server = Postgres(Path(tempfile.mkdtemp(prefix="pg-restart.", dir="/tmp")), free_port())
    try:
        server.start()
        yield server
    finally:
        if (server.folder / ".pg-test-server").exists():
            server.remove()
        shutil.rmtree(server.folder, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def shell(env: dict, function: str, prefix: str) -> dict:
    out = manage(env, "shell", "-c", f"from {__name__} import {function}; {function}()")
    line = next(line for line in out.splitlines() if line.startswith(prefix))
    return json.loads(line[len(prefix) :])


@pytest.fixture
def web(postgres, tmp_path):
    """gunicorn on the test's server, set up as production runs it."""
    env = process_env(
        DATABASE_URL=postgres.url,
        DATA_DIR=str(tmp_path / "data"),
        CONN_MAX_AGE="60",
    )
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    world = shell(env, "world_build", "WORLD ")
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("ab")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tradereg.wsgi",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=30).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(healthy, within=60, what="gunicorn answering /healthz")
        yield {"base": base, "env": env, "world": world, "log": tmp_path / "gunicorn.log"}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


# --- the clients ---------------------------------------------------------------------------


class Browser:
    """One person's HTTP session: cookies, and the CSRF token sent back on every POST."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=30)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        token = self.http.cookies.get("csrftoken", "")
        return self.http.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token, **(data or {})},
            headers={"X-CSRFToken": token},
            timeout=30,
            **kwargs,
        )

    def login(self, username: str, key: str | None = None) -> requests.Response:
        """登录 (and 动态验证码 for staff), then open a page behind the login. Returns the
        first answer that is a server error, or that page."""
        steps = [
            lambda: self.get("/accounts/login/"),
            lambda: self.post("/accounts/login/", {"username": username, "password": PASSWORD}),
        ]
        if key is not None:
            steps.append(lambda: self.post("/accounts/2fa/verify/", {"token": totp_code(key)}))
        steps.append(lambda: self.get("/office/" if key else "/my/filings/"))
        for step in steps:
            answer = step()
            if answer.status_code >= 500:
                break
        return answer


@dataclass
class Outcomes:
    reports_acknowledged: set[int] = field(default_factory=set)
    approvals_acknowledged: set[int] = field(default_factory=set)
    approved_earlier: set[int] = field(default_factory=set)  # its answer was lost
    ready: int = 0  # clients with all their people logged in
    failures: list[str] = field(default_factory=list)  # "500", "connection refused"
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __str__(self) -> str:
        with self.lock:
            return (
                f"reported {sorted(self.reports_acknowledged)}, "
                f"approved {sorted(self.approvals_acknowledged | self.approved_earlier)}, "
                f"{len(self.failures)} failures (last: {self.failures[-3:]}), "
                f"unexpected {self.unexpected[:3]}"
            )


def failed_cleanly(outcomes: Outcomes, what: str, answer: requests.Response | None) -> None:
    with outcomes.lock:
        if answer is None:
            outcomes.failures.append(f"{what}: no connection")
        elif answer.status_code >= 500:
            outcomes.failures.append(f"{what}: {answer.status_code}")
        else:
            outcomes.unexpected.append(f"{what}: {answer.status_code} {answer.url}")


def attempt(outcomes: Outcomes, what: str, send, *args, **kwargs) -> requests.Response | None:
    """``send(*args, **kwargs)``; None (and the failure noted) unless the server answered."""
    try:
        answer = send(*args, **kwargs)
    except requests.ConnectionError:
        failed_cleanly(outcomes, what, None)
        return None
    except requests.RequestException as error:  # a hang is not a clean failure
        with outcomes.lock:
            outcomes.unexpected.append(f"{what}: {error!r}")
        return None
    if answer.status_code >= 500:
        failed_cleanly(outcomes, what, answer)
        return None
    return answer


def logged_in(outcomes: Outcomes, stop, base: str, username: str, key: str | None = None):
    """A Browser logged in as ``username``, logging in again after a clean failure."""
    while not stop.is_set():
        browser = Browser(base)
        what = f"登录 {username}"
        answer = attempt(outcomes, what, browser.login, username, key)
        if answer is not None:
            if answer.status_code == 200 and "/accounts/" not in answer.url:
                return browser
            failed_cleanly(outcomes, what, answer)
            return None
        time.sleep(0.1)
    return None


def work(base: str, officer: dict, filings: list[dict], outcomes: Outcomes, stop, down) -> None:
    """上报 each filing as its enterprise, then 审核通过 it as the officer; a request that
    fails is tried again until the server answers (or the test gives up). The last filing
    waits until the server is down, so that some requests surely meet the restart."""
    reviewer = logged_in(outcomes, stop, base, officer["username"], officer["key"])
    clerks = [logged_in(outcomes, stop, base, filing["username"]) for filing in filings]
    if reviewer is None or None in clerks:
        return
    with outcomes.lock:
        outcomes.ready += 1
    for filing, clerk in zip(filings, clerks, strict=True):
        pk = filing["pk"]
        if filing is filings[-1]:
            down.wait(timeout=180)
        while not stop.is_set() and pk not in outcomes.reports_acknowledged:
            answer = attempt(
                outcomes,
                f"上报 {pk}",
                clerk.post,
                f"/my/filings/{pk}/report/",
                allow_redirects=False,
            )
            if answer is not None:
                if answer.status_code == 302 and answer.headers["Location"] == REPORTED_PAGE:
                    with outcomes.lock:
                        outcomes.reports_acknowledged.add(pk)
                else:
                    failed_cleanly(outcomes, f"上报 {pk}", answer)
            time.sleep(0.02)
        while not stop.is_set() and not (
            pk in outcomes.approvals_acknowledged or pk in outcomes.approved_earlier
        ):
            answer = attempt(
                outcomes,
                f"审核通过 {pk}",
                reviewer.post,
                f"/office/filings/{pk}/approve/",
                {"revision": 1},
            )
            if answer is not None:
                with outcomes.lock:
                    if "已审核通过。" in answer.text:
                        outcomes.approvals_acknowledged.add(pk)
                    elif "不能审核通过" in answer.text and "已审核，可变更" in answer.text:
                        # An earlier attempt was committed, its answer lost with the restart.
                        outcomes.approved_earlier.add(pk)
                    else:
                        outcomes.unexpected.append(f"审核通过 {pk}: {answer.status_code}")
            time.sleep(0.02)


def test_postgresql_restarted_mid_run_loses_no_acknowledged_filing(postgres, web):
    world = web["world"]
    outcomes = Outcomes()
    stop, down = threading.Event(), threading.Event()
    threads = [
        threading.Thread(
            target=work,
            args=(
                web["base"],
                world["officers"][n],
                world["filings"][n::CLIENTS],
                outcomes,
                stop,
                down,
            ),
            name=f"client-{n}",
        )
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        # Everyone logs in first: a 动态验证码 works once, so a login cut by the restart
        # could not simply be tried again within the same 30 seconds.
        wait_until(
            lambda: outcomes.ready == CLIENTS,
            within=120,
            what="every client logged in",
            explain=lambda: str(outcomes),
        )
        # In the middle of the run: some filings approved, most still to do.
        wait_until(
            lambda: len(outcomes.approvals_acknowledged) >= 2,
            within=120,
            what="the first approvals",
            explain=lambda: str(outcomes),
        )
        failures_before = len(outcomes.failures)
        postgres.stop()  # fast shutdown: sessions cut, open transactions rolled back
        down.set()
        wait_until(
            lambda: len(outcomes.failures) >= failures_before + CLIENTS,
            within=60,
            what="requests failing while PostgreSQL is down",
            explain=lambda: str(outcomes),
        )
        postgres.start()
        total = CLIENTS * FILINGS_PER_CLIENT
        wait_until(
            lambda: len(outcomes.approvals_acknowledged | outcomes.approved_earlier) == total,
            within=180,
            what="every filing reported and approved after the restart",
            explain=lambda: f"{outcomes}; server log: {web['log'].read_text()[-2000:]}",
        )
    finally:
        stop.set()
        down.set()
        for thread in threads:
            thread.join(timeout=60)

    assert outcomes.unexpected == []
    assert outcomes.failures, "no request met the restart"
    state = shell(web["env"], "world_inspect", "STATE ")
    filings = {int(pk): row for pk, row in state["filings"].items()}
    # Every acknowledged change is there, with its history, exactly once.
    for pk in outcomes.reports_acknowledged:
        assert filings[pk]["events"].count(FilingEvent.Kind.REPORTED) == 1, filings[pk]
        assert filings[pk]["audit"].count("filing_reported") == 1, filings[pk]
    for pk in outcomes.approvals_acknowledged | outcomes.approved_earlier:
        row = filings[pk]
        assert row["status"] == "approved", row
        assert row["events"] == ["created", "reported", "approved"], row
        assert row["audit"].count("filing_approved") == 1, row
        assert row["published"] == 1, row
        assert row["approved_mail"] == 1, row
    # No filing half-way, and no form number given twice.
    numbers = [row["form_no"] for row in filings.values()]
    assert len(set(numbers)) == len(numbers)
    assert state["chain_ok"]
