"""E-mail goes through a real SMTP server on loopback and is retried until delivered."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tradereg.conftest import free_port
from tradereg.notifications import tasks as mail_tasks
from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.services import email_enqueue

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
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > timezone.now() + timedelta(seconds=20)

    settings.EMAIL_PORT = smtp_server.port
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    tasks()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT
    assert message.attempts == 2
    assert len(smtp_server.bodies_to("clerk@example.cn")) == 1


def test_sending_is_idempotent(smtp_server, tasks):
    message = queue_welcome()
    tasks()
    assert mail_tasks.email_send.call(message.pk) == "skipped"
    assert len(smtp_server.bodies_to("clerk@example.cn")) == 1


def test_backoff_grows_and_is_capped():
    delays = [mail_tasks.retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(seconds=30)
    assert delays[-1] == mail_tasks.MAX_BACKOFF
