"""The sweep that finds mail whose worker died (decision 0018), run in this process; the
same with real worker processes killed mid-send is in test_faults_mail.py."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tradereg.conftest import free_port
from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.services import email_enqueue
from tradereg.notifications.tasks import WORKER_LOST, mail_recover

pytestmark = pytest.mark.django_db

SEND = "tradereg.notifications.tasks.email_send"
SWEEP = "tradereg.notifications.tasks.email_sweep"


def queue() -> OutboundEmail:
    return email_enqueue(
        to="clerk@example.cn",
        template="accounts/emails/password_reset",
        context={"user": {"username": "clerk"}, "uid": "MQ", "token": "abc-123"},
    )


def die_mid_send(message: OutboundEmail) -> DBTaskResult:
    """What a worker killed during the attempt leaves: its task RUNNING, the lease set."""
    task = DBTaskResult.objects.get(task_path=SEND, args_kwargs__args=[message.pk])
    task.claim("dead-worker")
    lease = timezone.now() + timedelta(minutes=2)
    OutboundEmail.objects.filter(pk=message.pk).update(
        attempts=1, lease_until=lease, next_attempt_at=lease
    )
    return task


def waiting_sends(message: OutboundEmail) -> int:
    return DBTaskResult.objects.filter(
        task_path=SEND, status="READY", args_kwargs__args=[message.pk]
    ).count()


def test_a_message_with_its_task_waiting_is_left_alone():
    message = queue()
    assert mail_recover() == []
    assert waiting_sends(message) == 1


def test_an_attempt_whose_lease_runs_is_left_alone():
    message = queue()
    die_mid_send(message)
    assert mail_recover() == []
    assert waiting_sends(message) == 0


def test_a_dead_attempt_is_queued_again_once_its_lease_has_run_out(smtp_server, tasks):
    message = queue()
    orphan = die_mid_send(message)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert mail_recover() == [message.pk]
        assert mail_recover() == []  # now it has a task waiting: not queued twice
        tasks()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT
    assert message.attempts == 2
    assert len(smtp_server.bodies_to("clerk@example.cn")) == 1
    orphan.refresh_from_db()
    assert orphan.status == "FAILED"
    assert orphan.exception_class_path == WORKER_LOST


def test_every_attempt_schedules_a_sweep_and_the_sweep_keeps_going_while_mail_waits(
    settings, smtp_server, tasks
):
    settings.EMAIL_PORT = free_port()  # the mail server is down
    queue()
    tasks()
    sweeps = DBTaskResult.objects.filter(task_path=SWEEP, status="READY")
    assert sweeps.count() == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        tasks()
    assert DBTaskResult.objects.filter(task_path=SWEEP, status="SUCCESSFUL").count() >= 1
    assert sweeps.count() == 1  # the next one, while the message is still pending


def test_the_command_queues_lost_mail_at_once():
    message = queue()
    DBTaskResult.objects.filter(task_path=SEND).delete()  # the task lost with its worker
    out = StringIO()
    call_command("mail_recover", stdout=out)
    assert "重新排队邮件：1 封" in out.getvalue()
    assert waiting_sends(message) == 1
