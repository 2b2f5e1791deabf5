"""E-mail goes through a real SMTP server on loopback and is retried until delivered."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tradereg.conftest import free_port
from tradereg.notifications import tasks as mail_tasks
from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.services import email_enqueue
from tradereg.settings import _email_settings as email_settings

pytestmark = pytest.mark.django_db


def queue_welcome() -> OutboundEmail:
    return email_enqueue(
        to="clerk@example.cn",
        template="accounts/emails/password_reset",
        context={"user": {"username": "clerk"}, "uid": "MQ", "token": "abc-123"},
    )


def test_the_worker_delivers_to_the_smtp_server(smtp_server, tasks):
    message = queue_welcome()
    assert tasks() == 1
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT
    assert message.attempts == 1
    bodies = smtp_server.bodies_to("clerk@example.cn")
    assert len(bodies) == 1
    assert "/accounts/password/reset/MQ/abc-123/" in bodies[0]
    assert smtp_server.subjects_to("clerk@example.cn") == ["对外贸易经营者备案登记：重置密码"]


def test_a_message_is_kept_and_retried_while_the_server_is_down(settings, smtp_server, tasks):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    message = queue_welcome()
    tasks()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.PENDING
    assert message.attempts == 1
    assert message.last_error
    assert message.lease_until is None
    retry = DBTaskResult.objects.filter(status="READY", task_path__endswith=".email_send").get()
    assert retry.run_after == message.next_attempt_at
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=10)

    settings.EMAIL_PORT = smtp_server.port
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        tasks()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT
    assert message.attempts == 2
    assert message.next_attempt_at is None
    assert len(smtp_server.bodies_to("clerk@example.cn")) == 1


def test_sending_is_idempotent(smtp_server, tasks):
    message = queue_welcome()
    tasks()
    assert mail_tasks.email_send.call(message.pk) == "skipped"
    assert len(smtp_server.bodies_to("clerk@example.cn")) == 1


def test_an_attempt_under_way_is_not_started_twice(smtp_server):
    """A second task for the same message (the sweep's, or a duplicate) waits for the
    lease of the first instead of sending it again."""
    message = queue_welcome()
    OutboundEmail.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert mail_tasks.email_send.call(message.pk) == "skipped"
    assert smtp_server.bodies_to("clerk@example.cn") == []


def test_every_attempt_carries_the_same_message_id(settings, smtp_server, tasks):
    settings.EMAIL_PORT = free_port()
    message = queue_welcome()
    tasks()
    settings.EMAIL_PORT = smtp_server.port
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        tasks()
    [delivered] = smtp_server.messages
    assert delivered["Message-ID"] == message.message_id


def test_backoff_grows_and_is_capped_at_a_minute(settings):
    """With the defaults a message waits at most a minute between tries, whatever the
    number of failures: back within two minutes of the server (issue 9)."""
    assert settings.EMAIL_RETRY_SECONDS == 15
    assert settings.EMAIL_RETRY_MAX_SECONDS == 60
    delays = [mail_tasks.retry_delay(n) for n in range(1, 1000)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(seconds=15)
    assert delays[1] == timedelta(seconds=30)
    assert max(delays) == timedelta(minutes=1)
    assert mail_tasks.sweep_interval() == timedelta(minutes=1)


def test_the_lease_outlasts_any_send_the_smtp_timeout_allows(settings):
    """Nine round trips at most (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA,
    end of data), each bounded by EMAIL_TIMEOUT: a live attempt is never taken for dead."""
    for url in ("smtp://mail.example.cn:587?tls=1", "smtps://user:pass@mail.example.cn"):
        timeout = email_settings(url)["EMAIL_TIMEOUT"]
        assert 9 * timeout < settings.EMAIL_SEND_LEASE_SECONDS
