"""Delivery of queued e-mail: retried until the mail server accepts it (decision 0018).

Each message is delivered at least once. An attempt first takes a lease on its message
(``lease_until``), so two workers never send one message at the same time; it marks the
message sent as soon as the server has accepted it (the reply to DATA) and only then says
QUIT, so a connection that breaks afterwards cannot cause a second copy. A worker killed
during an attempt leaves its lease to run out and its task RUNNING for ever
(django-tasks-db 0.13 never looks at a dead worker's tasks): ``email_sweep`` finds such
messages and queues them again. What is not covered: a worker killed between the
server's acceptance and the commit of "sent" (milliseconds) sends that message twice,
with the same Message-ID.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from tradereg.common.outbox import lost_requeue, tasks_named
from tradereg.notifications.models import OutboundEmail

logger = logging.getLogger(__name__)

READY, RUNNING = "READY", "RUNNING"
WORKER_LOST = "tradereg.notifications.tasks.WorkerLost"


def retry_delay(attempts: int) -> timedelta:
    """EMAIL_RETRY_SECONDS (15 s) after the first failure, doubling, capped at
    EMAIL_RETRY_MAX_SECONDS (60 s).

    The cap is low on purpose: while the server is down each message is tried at least
    once a minute, so every one of them is out within about a minute of its return (issue
    9 asks for two). A refused connection costs milliseconds, so even a long queue retried
    every minute is cheap; the backoff only spares the first minutes of a short outage.
    """
    seconds = settings.EMAIL_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 16)
    return timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def sweep_interval() -> timedelta:
    return timedelta(seconds=settings.EMAIL_RETRY_MAX_SECONDS)


def _lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)


def _claim(message_id: int) -> tuple[OutboundEmail, datetime] | None:
    """Take the message for one attempt, unless it is sent or another attempt holds it.

    The attempt also makes sure a sweep is scheduled, in the same transaction: if this
    worker dies from here on, the sweep is there to notice.
    """
    now = timezone.now()
    lease_until = now + _lease()
    with transaction.atomic():
        message = (
            OutboundEmail.objects.select_for_update()
            .filter(pk=message_id, status=OutboundEmail.Status.PENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        message.lease_until = message.next_attempt_at = lease_until
        message.save(update_fields=["attempts", "lease_until", "next_attempt_at"])
        sweep_ensure()
    return message, lease_until


def _mail(message: OutboundEmail, connection: BaseEmailBackend) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        connection=connection,
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    return mail


def _close_quietly(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the message is settled already; QUIT is courtesy
        logger.info("closing the mail connection failed", exc_info=True)


@task()
def email_send(message_id: int) -> str:
    """Deliver one queued message. Idempotent: a sent message, or one another attempt is
    sending, is skipped.

    On failure the message stays pending and the task enqueues itself for the next try
    (``retry_delay``). Once delivered, a message with a one-time link keeps only its
    redacted text.
    """
    claimed = _claim(message_id)
    if claimed is None:
        return "skipped"
    message, lease_until = claimed
    connection = get_connection()
    try:
        connection.open()
        _mail(message, connection).send()
    except Exception as exc:  # noqa: BLE001 - any delivery failure is retried
        _close_quietly(connection)
        _failed(message, lease_until, exc)
        return "retry"
    _delivered(message)
    _close_quietly(connection)
    return "sent"


def _failed(message: OutboundEmail, lease_until: datetime, exc: Exception) -> None:
    now = timezone.now()
    delay = retry_delay(message.attempts)
    with transaction.atomic():
        # Only while the lease is still ours: if it ran out and the sweep has handed the
        # message to another attempt, that attempt decides what happens next.
        still_ours = OutboundEmail.objects.filter(
            pk=message.pk, status=OutboundEmail.Status.PENDING, lease_until=lease_until
        ).update(
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            next_attempt_at=now + delay,
            lease_until=None,
        )
        if still_ours:
            email_send.using(run_after=now + delay).enqueue(message.pk)
    logger.warning("mail %s not delivered (%s); retry in %s", message.pk, exc, delay)


def _delivered(message: OutboundEmail) -> None:
    fields: dict[str, object] = {
        "status": OutboundEmail.Status.SENT,
        "sent_at": timezone.now(),
        "last_error": "",
        "next_attempt_at": None,
        "lease_until": None,
    }
    if message.has_secret:
        # Delivered: the live link is not kept any longer than needed for a retry.
        fields.update(body_text=message.preview, body_html="")
    OutboundEmail.objects.filter(pk=message.pk).update(**fields)


def _tasks(name: str) -> "QuerySet[DBTaskResult]":
    return tasks_named(__name__, name)


def sweep_ensure() -> None:
    """Schedule a sweep one interval from now, unless one is already waiting."""
    if not _tasks("email_sweep").filter(status=READY).exists():
        email_sweep.using(run_after=timezone.now() + sweep_interval()).enqueue()


def mail_recover() -> list[int]:
    """Queue again every pending message that is due and has no task waiting for it, and
    close the tasks of workers that died (``tradereg.common.outbox``). Returns the ids of
    the messages queued again."""
    queued = lost_requeue(
        rows=OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING),
        module=__name__,
        send="email_send",
        sweep="email_sweep",
        enqueue=email_send.enqueue,
        lease=_lease(),
        lost_class_path=WORKER_LOST,
        lost_note=(
            "The worker stopped before this task finished; its message, unless already "
            "sent, is queued again."
        ),
        now=timezone.now(),
    )
    if queued:
        logger.warning("mail %s had lost its send task; queued again", queued)
    return queued


@task()
def email_sweep() -> list[int]:
    """Run ``mail_recover`` now and again every EMAIL_RETRY_MAX_SECONDS while any message
    is pending or any mail task is running; each attempt schedules it (``_claim``).

    The next sweep is queued first, so a worker killed in the middle of this one does not
    end the chain.
    """
    busy = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).exists()
        or _tasks("email_send").filter(status=RUNNING).exists()
    )
    if busy:
        sweep_ensure()
    return mail_recover()
