"""Faults survived, nothing lost (issue 9): the mail server down and back, the task worker
killed in the middle of sending.

Every fault is real: a real SMTP server (aiosmtpd) on a free loopback port that is not
started, or that holds a conversation until the test lets it go; real `manage.py
db_worker` processes on the test database, stopped with SIGTERM or killed with SIGKILL.
The retry settings are scaled down for the workers (seconds instead of a minute), so the
tests wait for what must arrive, with a deadline, and assert on what arrived.
"""

import asyncio
import threading
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tradereg.accounts.models import User
from tradereg.accounts.services import password_reset_send, staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.conftest import free_port
from tradereg.filings import services as filing_services
from tradereg.filings.models import Filing, Method, Status
from tradereg.filings.tests import factories
from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.tasks import WORKER_LOST
from tradereg.notifications.tests.processes import Worker, process_env, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# How long the issue allows between the server's return and the last delivery.
TWO_MINUTES = 120


class MailServer:
    """An SMTP server whose conversation can be held at DATA or at QUIT.

    ``accepted`` holds the messages it answered 250 to: the ones a real server would go
    on to deliver. A message held at DATA and never answered is not accepted (RFC 5321
    §4.1.1.4: the transaction completes only with the reply to the end of data).
    """

    def __init__(self, port: int, *, hold: str | None = None):
        self.port = port
        self.hold = hold  # "DATA" or "QUIT": the first such command waits for release()
        self.accepted: list[EmailMessage] = []
        self.held: list[EmailMessage] = []
        self.reached = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        self._release.set()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def release(self) -> None:
        self._release.set()

    async def _wait_for_release(self) -> None:
        self.reached.set()
        await asyncio.get_running_loop().run_in_executor(None, self._release.wait)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        message = message_from_bytes(envelope.content, policy=policy.default)
        if self.hold == "DATA":
            self.hold = None
            self.held.append(message)
            await self._wait_for_release()
            return "451 4.3.0 try again later"
        with self._lock:
            self.accepted.append(message)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        if self.hold == "QUIT":
            self.hold = None
            await self._wait_for_release()
        return "221 Bye"

    def ids(self) -> list[str]:
        with self._lock:
            return [str(m["Message-ID"]) for m in self.accepted]


@pytest.fixture
def workers(tmp_path):
    """``workers(name, port, **settings)`` starts a db_worker sending to ``port``."""
    started: list[Worker] = []

    def start(name: str, port: int, **overrides: str) -> Worker:
        env = process_env(
            EMAIL_URL=f"smtp://127.0.0.1:{port}",
            EMAIL_RETRY_SECONDS="1",
            EMAIL_RETRY_MAX_SECONDS="2",
            EMAIL_SEND_LEASE_SECONDS="3",
            **overrides,
        )
        worker = Worker(name, tmp_path / f"{name}.log", env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def servers():
    made: list[MailServer] = []

    def make(port: int, **kwargs) -> MailServer:
        server = MailServer(port, **kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


def pending() -> int:
    return OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).count()


def queue_mail_of_every_kind() -> list[OutboundEmail]:
    """A new filing (welcome), its approval (decision), a password reset sent by the
    officer and 开通用户 for a legacy filing — each through its real service."""
    officer = factories.make_officer()
    filing = factories.make_filing(status=Status.REPORTED)
    filing_services.filing_approve(filing=Filing.objects.get(pk=filing.pk), acting_user=officer)
    password_reset_send(user=filing.owner, acting_user=officer)
    legacy = filing_services.filing_import(
        authority=factories.authority("110000"),
        method=Method.USCC,
        data=factories.filing_data(email="old-clerk@example.cn"),
        approved_at=datetime(2010, 3, 1, 9, tzinfo=timezone.get_current_timezone()),
    )
    filing_services.account_claim_invite(
        filing=legacy, email="old-clerk@example.cn", acting_user=officer
    )
    return list(OutboundEmail.objects.order_by("pk"))


def test_mail_server_down_for_a_while_and_back_every_message_once(workers, servers):
    port = free_port()  # the mail server's port, with nothing listening on it yet
    messages = queue_mail_of_every_kind()
    assert {m.template for m in messages} == {
        "filings/emails/welcome",
        "filings/emails/filing_approved",
        "accounts/emails/password_reset",
        "filings/emails/account_claim",
    }
    # Two workers, as a scaled-out installation has: neither may send what the other sends.
    first, second = workers("mail-a", port), workers("mail-b", port)

    # Down for a while: every message has been tried three times and is still kept.
    wait_until(
        lambda: not OutboundEmail.objects.filter(attempts__lt=3).exists(),
        within=60,
        what="three failed attempts at every message while the server is down",
    )
    assert pending() == len(messages)
    assert all("ConnectionRefusedError" in m.last_error for m in OutboundEmail.objects.all())

    # The retry schedule is visible to the 系统管理员 in the admin's list of mail.
    admin = staff_user_create(
        username="ministry", password="Admin#2026x", role=User.Role.SYSTEM_ADMIN
    )
    client = Client()
    login_verified(client, admin)
    page = client.get("/admin/notifications/outboundemail/")
    assert page.status_code == 200
    html = page.content.decode()
    for header in ("已尝试次数", "下次尝试时间", "最近一次错误"):
        assert header in html
    assert html.count("ConnectionRefusedError") >= len(messages)
    assert html.count("待发送") >= len(messages)

    # Back: every message arrives, within two minutes of the server's return.
    server = servers(port)
    back_at = timezone.now()
    server.start()
    wait_until(lambda: pending() == 0, within=TWO_MINUTES, what="every message delivered")
    first.stop()
    second.stop()

    delivered = server.ids()
    expected = [m.message_id for m in OutboundEmail.objects.order_by("pk")]
    assert sorted(delivered) == sorted(expected), "each message exactly once"
    for message in OutboundEmail.objects.all():
        assert message.status == OutboundEmail.Status.SENT
        assert message.sent_at >= back_at
        assert message.attempts >= 4
        assert message.next_attempt_at is None
    to = {str(m["To"]) for m in server.accepted}
    assert "old-clerk@example.cn" in to


def sending_task(message: OutboundEmail) -> DBTaskResult:
    return DBTaskResult.objects.get(
        task_path="tradereg.notifications.tasks.email_send",
        status="RUNNING",
        args_kwargs__args=[message.pk],
    )


def queue_reset() -> OutboundEmail:
    filing = factories.make_filing()
    OutboundEmail.objects.all().delete()
    password_reset_send(user=filing.owner, acting_user=factories.make_officer())
    return OutboundEmail.objects.get()


def test_worker_killed_in_the_middle_of_sending_the_message_is_sent_after_restart(workers, servers):
    port = free_port()
    server = servers(port, hold="DATA")
    server.start()
    message = queue_reset()

    first = workers("mail-killed", port)
    assert server.reached.wait(timeout=60), first.output()
    first.kill()  # the worker dies while the server holds the message's DATA
    server.release()

    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.PENDING
    assert message.lease_until is not None  # an attempt was under way when it died
    orphan = sending_task(message)  # django-tasks-db keeps it RUNNING for ever

    workers("mail-restarted", port)
    wait_until(lambda: pending() == 0, within=60, what="the message sent after the restart")
    wait_until(
        lambda: DBTaskResult.objects.get(pk=orphan.pk).status == "FAILED",
        within=60,
        what="the dead worker's task closed by the sweep",
    )

    assert server.ids() == [message.message_id]
    assert [str(m["Message-ID"]) for m in server.held] == [message.message_id]
    message.refresh_from_db()
    assert message.attempts == 2
    orphan.refresh_from_db()
    assert orphan.exception_class_path == WORKER_LOST


def test_worker_killed_after_the_server_accepted_does_not_send_twice(workers, servers):
    """Killed while saying QUIT, after the server's 250: the message is on record as sent
    before QUIT, so the worker that comes back has nothing to send again."""
    port = free_port()
    server = servers(port, hold="QUIT")
    server.start()
    message = queue_reset()

    first = workers("mail-killed", port)
    assert server.reached.wait(timeout=60), first.output()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT
    orphan = sending_task(message)
    first.kill()
    server.release()

    workers("mail-restarted", port)
    wait_until(
        lambda: DBTaskResult.objects.get(pk=orphan.pk).status == "FAILED",
        within=60,
        what="the sweep has run past the dead attempt's lease",
    )

    assert server.ids() == [message.message_id]
    message.refresh_from_db()
    assert message.attempts == 1
