"""Shared fixtures: reference data, a real SMTP server on loopback, the task worker."""

import socket
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from tradereg.audit.testing import flushes_through_gate
from tradereg.authorities.models import Authority
from tradereg.core.demo import reference_data_load
from tradereg.filings.models import OperatorType


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing (Argon2 stays in production), private files in a temporary folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = True


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, as each process does: a request in
    English leaves English active in its thread (LocaleMiddleware sets it and nothing
    resets it), which a later test's management command would speak."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_memory_cache():
    """The lookups' rate limits count in the process's memory (embedded mode), which no
    test transaction rolls back: every test starts with none counted."""
    for cache in caches.all():
        if isinstance(cache, LocMemCache):
            cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _audit_flush_gate():
    """Transactional tests end with a flush; let it empty the append-only audit tables."""
    with flushes_through_gate():
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture
def reference_data(db):
    """Regions, authorities and form options; reloaded after a transactional test's flush."""
    if not (Authority.objects.exists() and OperatorType.objects.exists()):
        reference_data_load()


class _Inbox:
    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def clear(self):
        with self._lock:
            self.messages.clear()

    def bodies_to(self, address: str) -> list[str]:
        found = []
        for message in list(self.messages):
            if address in message["To"]:
                found.append(message.get_body(preferencelist=("plain",)).get_content())
        return found

    def subjects_to(self, address: str) -> list[str]:
        return [str(m["Subject"]).strip() for m in list(self.messages) if address in m["To"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend delivers to it."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    inbox.port = port
    inbox.controller = controller
    yield inbox
    controller.stop()


def run_tasks() -> int:
    """Run every task that is due, as `manage.py db_worker --batch` would; returns count.

    The worker's own loop closes "old" connections, which inside a test's transaction on
    PostgreSQL would close the test's connection; this loop claims and runs the same way.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    count = 0
    while True:
        with exclusive_transaction():
            task = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task is not None:
                task.claim(worker.worker_id)
        if task is None:
            return count
        worker.run_task(task)
        count += 1


@pytest.fixture
def tasks():
    """Call ``tasks()`` to let the worker deliver what has been enqueued so far."""
    return run_tasks


@pytest.fixture
def background_worker(transactional_db):
    """A worker thread polling the database, as `make run` has beside the web server."""
    stop = threading.Event()

    def loop():
        from django.db import connection

        while not stop.is_set():
            try:
                run_tasks()
            finally:
                connection.close()
            time.sleep(0.2)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=5)


# --- browser tests: Playwright driving Debian's Chromium against pytest-django's live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver per test process (each xdist worker has its own)."""
    import os

    # Playwright's sync API keeps an event loop running in this thread; Django's ORM
    # refuses to run beside one unless told that it is safe (it is: nothing here is async).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, reference_data):
    """A fresh browser context (no cookies) per test, pointed at the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "01-home")`` saves docs/screenshots/01-home.png, only when the
    environment has SCREENSHOTS=1, so ordinary runs leave the committed images alone.
    """
    import os
    from pathlib import Path

    enabled = os.environ.get("SCREENSHOTS") == "1"
    folder = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

    def take(page, name: str) -> None:
        if enabled:
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take
