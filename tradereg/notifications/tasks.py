import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from tradereg.notifications.models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour: the message is retried until delivered."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@task()
def email_send(message_id: int) -> str:
    """Deliver one queued message. Idempotent: a message already sent is not sent again.

    On failure the message stays pending and the task enqueues itself again later. Once
    delivered, a message with a one-time link keeps only its redacted text.
    """
    message = OutboundEmail.objects.filter(pk=message_id).first()
    if message is None or message.status == OutboundEmail.Status.SENT:
        return "skipped"
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    message.attempts += 1
    try:
        mail.send()
    except Exception as exc:  # noqa: BLE001 - any delivery failure is retried
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        message.save(update_fields=["attempts", "last_error"])
        delay = retry_delay(message.attempts)
        logger.warning("mail %s not delivered (%s); retry in %s", message.pk, exc, delay)
        email_send.using(run_after=timezone.now() + delay).enqueue(message.pk)
        return "retry"
    message.status = OutboundEmail.Status.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    fields = ["attempts", "status", "sent_at", "last_error"]
    if message.has_secret:
        # Delivered: the live link is not kept any longer than needed for a retry.
        message.body_text, message.body_html = message.preview, ""
        fields += ["body_text", "body_html"]
    message.save(update_fields=fields)
    return "sent"
