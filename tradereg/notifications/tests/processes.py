"""Real processes beside a test: `manage.py db_worker` on the test's own database.

The fault tests start, kill and restart them as an operator's machine would; nothing is
simulated inside the test process.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def process_env(**overrides: str) -> dict[str, str]:
    """The environment of a process that is to share this test's database and keys."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "DATA_DIR": str(settings.DATA_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def wait_until(
    condition: Callable[[], object],
    *,
    within: float,
    what: str,
    explain: Callable[[], str] = str,
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` (and what ``explain`` says
    about the state) once ``within`` seconds pass.

    A deadline for something that must happen, not a measurement: nothing is asserted
    about how long it took.
    """
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f} s: {what}. {explain()}")
        time.sleep(0.1)


class Worker:
    """One `manage.py db_worker` process; its output goes to ``log``."""

    def __init__(self, name: str, log: Path, env: dict[str, str]):
        self.name = name
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
                "--worker-id",
                name,
            ],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """kill -9: no signal handler, no finally block, no last commit."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """What Ctrl-C does: the worker finishes the task at hand and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")
