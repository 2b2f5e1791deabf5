"""Delivery of webhook events, in the task worker: POSTed until the receiver answers 2xx,
for a day at most (docs/api.md, "Watches and webhooks").

The pattern is the mail outbox's (decision 0018): an attempt takes a lease on its row, so
two workers never post one delivery at once; a failure schedules the next attempt with
backoff; a sweep queues again what a dead worker left. Each delivery is sent at least
once; a worker killed between the receiver's answer and the commit of "delivered" sends
it again, with the same ``X-Tradereg-Delivery`` id for the receiver to recognise.
"""

import hashlib
import hmac
import ipaddress
import logging
import socket
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from tradereg.common.outbox import lost_requeue, tasks_named
from tradereg.opendata.models import WebhookDelivery

logger = logging.getLogger(__name__)

READY, RUNNING = "READY", "RUNNING"
WORKER_LOST = "tradereg.opendata.tasks.WorkerLost"
TIMEOUT_SECONDS = 10
# Longer than any attempt may last: name resolution, connect and answer, each bounded by
# the timeout.
LEASE = timedelta(seconds=60)
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
SWEEP_EVERY = timedelta(minutes=5)
USER_AGENT = "tradereg-webhooks/1"


class AddressRefused(Exception):
    """The URL leads somewhere webhooks may not go (loopback, a private network)."""


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with the subscription's secret over
    ``<timestamp>.<body>``, the value of ``X-Tradereg-Signature``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """One minute after the first failure, doubling, at most an hour."""
    return min(RETRY_FIRST * 2 ** min(max(attempts - 1, 0), 16), RETRY_MAX)


def address_public(address: str) -> bool:
    """Whether ``address`` (an IP, v4 or v6) is a public unicast address: not loopback,
    private, link-local (cloud metadata), reserved or multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def address_allowed(address: str) -> bool:
    """Whether a webhook may connect to ``address``: a public one, or any with
    WEBHOOK_ALLOW_PRIVATE_URLS."""
    return settings.WEBHOOK_ALLOW_PRIVATE_URLS or address_public(address)


def _host_check(url: str) -> None:
    """Refuse a URL whose host resolves to any address webhooks may not reach. Checked
    at each attempt, because a name may point elsewhere since it was registered."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        raise AddressRefused("only https is allowed")
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise AddressRefused(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        if not address_allowed(str(info[4][0])):
            raise AddressRefused(f"{host} resolves to {info[4][0]}, not a public address")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: it is not followed (it could lead past
    the address check)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy from the environment either: the address check is about the receiver.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _post(delivery: WebhookDelivery) -> int:
    """POST the delivery's body once; the receiver's status code (HTTPError for non-2xx
    is turned into its code)."""
    subscription = delivery.subscription
    _host_check(subscription.url)
    body = bytes(delivery.payload)
    timestamp = str(int(timezone.now().timestamp()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked: http(s) only
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Tradereg-Event": delivery.event_type,
            "X-Tradereg-Delivery": str(delivery.delivery_id),
            "X-Tradereg-Timestamp": timestamp,
            "X-Tradereg-Signature": signature(
                secret=subscription.secret, timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
            return int(response.status)
    except urllib.error.HTTPError as answer:
        answer.close()
        return int(answer.code)


def _claim(delivery_id: int) -> tuple[WebhookDelivery, datetime] | None:
    """Take the delivery for one attempt, unless it is settled or another attempt holds
    it; makes sure a sweep is scheduled, in the same transaction."""
    now = timezone.now()
    lease_until = now + LEASE
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.lease_until = delivery.next_attempt_at = lease_until
        delivery.last_attempt_at = now
        delivery.save(
            update_fields=["attempts", "lease_until", "next_attempt_at", "last_attempt_at"]
        )
        sweep_ensure()
    return delivery, lease_until


@task()
def webhook_deliver(delivery_id: int) -> str:
    """Post one delivery. Idempotent: a settled delivery, or one another attempt holds,
    is skipped. On failure the task enqueues itself for the next attempt (``retry_delay``),
    until a day after the event; then the delivery is 已放弃."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "skipped"
    delivery, lease_until = claimed
    subscription = delivery.subscription
    if not subscription.active or subscription.api_key.revoked_at is not None:
        _settle(
            delivery,
            lease_until,
            status=WebhookDelivery.Status.ABANDONED,
            code=None,
            error="subscription deleted or API key revoked",
        )
        return "abandoned"
    try:
        code = _post(delivery)
    except AddressRefused as refused:
        return _failed(delivery, lease_until, code=None, error=f"refused: {refused}")
    except Exception as exc:  # noqa: BLE001 - any failure to reach the receiver is retried
        return _failed(delivery, lease_until, code=None, error=f"{type(exc).__name__}: {exc}")
    if 200 <= code < 300:
        _settle(delivery, lease_until, status=WebhookDelivery.Status.DELIVERED, code=code)
        return "delivered"
    return _failed(delivery, lease_until, code=code, error=f"HTTP {code}")


def _settle(
    delivery: WebhookDelivery,
    lease_until: datetime,
    *,
    status: str,
    code: int | None,
    error: str = "",
) -> None:
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk, lease_until=lease_until).update(
        status=status,
        last_status_code=code,
        last_error=error[:1000],
        next_attempt_at=None,
        lease_until=None,
        delivered_at=now if status == WebhookDelivery.Status.DELIVERED else None,
    )


def _failed(
    delivery: WebhookDelivery, lease_until: datetime, *, code: int | None, error: str
) -> str:
    """Schedule the next attempt, no later than the day's end; at that end, give up."""
    now = timezone.now()
    if now >= delivery.give_up_at:
        _settle(
            delivery, lease_until, status=WebhookDelivery.Status.ABANDONED, code=code, error=error
        )
        logger.warning("webhook delivery %s abandoned (%s)", delivery.pk, error)
        return "abandoned"
    next_at = min(now + retry_delay(delivery.attempts), delivery.give_up_at)
    with transaction.atomic():
        # Only while the lease is still ours: if it ran out and the sweep handed the
        # delivery to another attempt, that attempt decides what happens next.
        still_ours = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, lease_until=lease_until
        ).update(
            last_status_code=code,
            last_error=error[:1000],
            next_attempt_at=next_at,
            lease_until=None,
        )
        if still_ours:
            webhook_deliver.using(run_after=next_at).enqueue(delivery.pk)
    logger.info("webhook delivery %s failed (%s); retry at %s", delivery.pk, error, next_at)
    return "retry"


def _tasks(name: str) -> "QuerySet[DBTaskResult]":
    return tasks_named(__name__, name)


def sweep_ensure() -> None:
    """Schedule a sweep one interval from now, unless one is already waiting."""
    if not _tasks("webhook_sweep").filter(status=READY).exists():
        webhook_sweep.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()


def deliveries_recover() -> list[int]:
    """Queue again every pending delivery that is due, holds no live lease and has no
    waiting task, and close the tasks of workers that died (``tradereg.common.outbox``)."""
    queued = lost_requeue(
        rows=WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING),
        module=__name__,
        send="webhook_deliver",
        sweep="webhook_sweep",
        enqueue=webhook_deliver.enqueue,
        lease=LEASE,
        lost_class_path=WORKER_LOST,
        lost_note="The worker stopped before this task finished; its delivery is queued again.",
        now=timezone.now(),
    )
    if queued:
        logger.warning("webhook deliveries %s had lost their task; queued again", queued)
    return queued


@task()
def webhook_sweep() -> list[int]:
    """Run ``deliveries_recover`` now and again every SWEEP_EVERY while any delivery is
    pending; the next sweep is queued first, so a worker killed in this one does not end
    the chain."""
    if WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).exists():
        sweep_ensure()
    return deliveries_recover()
