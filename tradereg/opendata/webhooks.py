"""Watches: a key holder's webhook and the operators it watches (docs/api.md, "Watches
and webhooks").

The writes (subscriptions and their watches) and their reads are here; the events are
written in the publishing transaction by the receiver at the end, one delivery per
watching subscription, and sent by ``tasks.webhook_deliver`` in the worker, never in the
officer's request.
"""

import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from tradereg.audit.services import audit_record
from tradereg.common.codes import normalize_code
from tradereg.opendata import cursors
from tradereg.opendata.models import (
    ApiKey,
    ChangeEntry,
    WatchedOperator,
    WebhookDelivery,
    WebhookSubscription,
)
from tradereg.opendata.tasks import GIVE_UP_AFTER, address_public, webhook_deliver
from tradereg.registry.models import PublishedForm, PublishedOperator
from tradereg.registry.signals import operator_published

SUBSCRIPTIONS_PER_KEY = 20
WATCHES_PER_SUBSCRIPTION = 1000
# The public fields a change event compares (those of 经营者信息查询; never an ID number
# nor the representative's name), in the order they are listed.
EVENT_FIELDS = (
    "ie_code", "uscc", "org_code", "name_cn", "name_en", "operator_type", "residence",
    "premises_cn", "premises_en", "postcode", "phone", "fax", "authority_name",
)  # fmt: skip
_EVENT_TYPES: dict[str, str] = {
    ChangeEntry.Kind.CHANGED: WebhookDelivery.EventType.CHANGED,
    ChangeEntry.Kind.CANCELLED: WebhookDelivery.EventType.CANCELLED,
}


@dataclass
class WatchRefused(Exception):
    """A request the API answers with 422: a stable code and the message in both
    languages."""

    code: str
    zh: str
    en: str


# --- the webhook URL ------------------------------------------------------------------


def url_check(url: str) -> str:
    """The URL, if webhooks may post to it: http(s) only, no user name or password in
    it; unless WEBHOOK_ALLOW_PRIVATE_URLS, https to a host that is not loopback or a
    private address (the worker checks every address the name resolves to again, at
    each attempt: ``tasks.address_allowed``)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WatchRefused(
            "url_invalid", "回调地址应为 https:// 开头的网址。", "The url must be an https URL."
        )
    if parts.username or parts.password:
        raise WatchRefused(
            "url_invalid", "回调地址不能包含用户名或密码。", "The url may not hold credentials."
        )
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return url
    if parts.scheme != "https":
        raise WatchRefused("url_insecure", "回调地址必须使用 https。", "The url must use https.")
    host = parts.hostname.rstrip(".").lower()
    try:
        private = not address_public(host)
    except ValueError:  # a name, not an address: the worker checks what it resolves to
        private = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    if private:
        raise WatchRefused(
            "url_not_public",
            "回调地址不能指向本机或内部网络地址。",
            "The url may not point at loopback or a private network.",
        )
    return url


# --- watched operators ----------------------------------------------------------------


def _operator_for(code: str) -> tuple[str, str]:
    """(进出口企业代码, the code as typed, normalised) of a published operator named by
    its 进出口企业代码 or USCC; an approved one before a cancelled one."""
    typed = normalize_code(code)
    if len(typed) == 13:
        found = PublishedOperator.objects.filter(ie_code=typed)
    elif len(typed) == 18:
        found = PublishedOperator.objects.filter(uscc=typed)
    else:
        raise WatchRefused(
            "operator_code_invalid",
            f"“{code[:20]}”不是13位进出口企业代码或18位统一社会信用代码。",
            f"{code[:20]!r} is neither a 13-character ie_code nor an 18-character USCC.",
        )
    ie_code = (
        found.order_by("status", "-approved_at", "-pk").values_list("ie_code", flat=True).first()
    )
    if ie_code is None:
        raise WatchRefused(
            "operator_not_found",
            f"没有找到代码为{typed}的经营者。",
            f"No published operator has the code {typed}.",
        )
    return ie_code, typed


def _watches_add(*, subscription: WebhookSubscription, codes: list[str]) -> int:
    """Resolve every code first (one bad code adds none), then add the new ones."""
    resolved = dict(_operator_for(code) for code in codes)
    held = set(subscription.watches.values_list("ie_code", flat=True))
    new = {ie_code: typed for ie_code, typed in resolved.items() if ie_code not in held}
    if len(held) + len(new) > WATCHES_PER_SUBSCRIPTION:
        raise WatchRefused(
            "too_many_operators",
            f"每个订阅最多关注{WATCHES_PER_SUBSCRIPTION}个经营者。",
            f"A subscription watches at most {WATCHES_PER_SUBSCRIPTION} operators.",
        )
    WatchedOperator.objects.bulk_create(
        [
            WatchedOperator(subscription=subscription, ie_code=ie_code, typed=typed)
            for ie_code, typed in new.items()
        ],
        ignore_conflicts=True,
    )
    return len(new)


# --- writes ---------------------------------------------------------------------------


def subscription_create(
    *, api_key: ApiKey, url: str, codes: list[str], request: HttpRequest | None = None
) -> tuple[WebhookSubscription, str]:
    """Register a webhook watching ``codes``; returns it with its secret, which is shown
    this once. Raises WatchRefused for a URL webhooks may not go to, an unknown code or
    too many subscriptions. Leaves a ``webhook_created`` audit event."""
    url = url_check(url)
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        # One creation at a time per key, so that the count below holds until commit.
        ApiKey.objects.select_for_update().filter(pk=api_key.pk).first()
        if api_key.webhooks.filter(active=True).count() >= SUBSCRIPTIONS_PER_KEY:
            raise WatchRefused(
                "too_many_subscriptions",
                f"每个接口密钥最多{SUBSCRIPTIONS_PER_KEY}个订阅。",
                f"A key holds at most {SUBSCRIPTIONS_PER_KEY} subscriptions.",
            )
        subscription = WebhookSubscription.objects.create(api_key=api_key, url=url, secret=secret)
        _watches_add(subscription=subscription, codes=codes)
        _audit("webhook_created", subscription, request, url=url, operators=len(codes))
    return subscription, secret


def subscription_delete(
    *, subscription: WebhookSubscription, request: HttpRequest | None = None
) -> None:
    """Stop a subscription: nothing more is sent, pending deliveries are given up at
    their next attempt. Idempotent."""
    with transaction.atomic():
        if WebhookSubscription.objects.filter(pk=subscription.pk, active=True).update(active=False):
            _audit("webhook_deleted", subscription, request, url=subscription.url)


def watches_add(
    *, subscription: WebhookSubscription, codes: list[str], request: HttpRequest | None = None
) -> int:
    """Watch more operators (codes already watched are kept once); returns how many are
    new. Raises WatchRefused for an unknown code or too many."""
    with transaction.atomic():
        # One change at a time per subscription, so that the limit holds until commit.
        WebhookSubscription.objects.select_for_update().filter(pk=subscription.pk).first()
        added = _watches_add(subscription=subscription, codes=codes)
        if added:
            _audit("webhook_changed", subscription, request, added=added)
    return added


def watch_remove(
    *, subscription: WebhookSubscription, code: str, request: HttpRequest | None = None
) -> bool:
    """Stop watching the operator named by ``code`` (its 进出口企业代码, or the code as it
    was given); returns whether it was watched."""
    typed = normalize_code(code)
    with transaction.atomic():
        removed, _counts = subscription.watches.filter(ie_code=typed).delete()
        if not removed:
            removed, _counts = subscription.watches.filter(typed=typed).delete()
        if removed:
            _audit("webhook_changed", subscription, request, removed=typed)
    return bool(removed)


def _audit(
    event: str, subscription: WebhookSubscription, request: HttpRequest | None, **data: Any
) -> None:
    audit_record(
        event=event,
        request=request,
        object_type="webhook",
        object_id=subscription.pk,
        api_key=subscription.api_key.prefix,
        **data,
    )


# --- reads ----------------------------------------------------------------------------


def subscriptions_of(*, api_key: ApiKey) -> QuerySet[WebhookSubscription]:
    return api_key.webhooks.filter(active=True).prefetch_related("watches")


def subscription_of(*, api_key: ApiKey, pk: int) -> WebhookSubscription | None:
    """The key's own active subscription ``pk``; None for any other (even one that
    exists under another key)."""
    return subscriptions_of(api_key=api_key).filter(pk=pk).first()


def deliveries_page(
    *, subscription: WebhookSubscription, before: int | None, limit: int
) -> tuple[list[WebhookDelivery], int | None]:
    """The delivery log, newest first, from before the delivery ``before``; returns the
    page and where the next one starts (None at the end)."""
    rows = subscription.deliveries.order_by("-pk")
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if more else None)


# --- events, in the publishing transaction --------------------------------------------


def _label(name: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(getattr(PublishedOperator._meta.get_field(name), "verbose_name", name))


def _changes(entry: ChangeEntry) -> list[dict[str, str]]:
    """The public fields that differ between the revision published before ``entry`` and
    the one it published, then the status if that changed."""
    previous = (
        ChangeEntry.objects.filter(filing_id=entry.filing_id, position__lt=entry.position)
        .order_by("-position")
        .first()
    )
    if previous is None:
        return []
    changes = []
    if previous.revision_number != entry.revision_number:
        forms = {
            form["revision_number"]: form
            for form in PublishedForm.objects.filter(
                filing_id=entry.filing_id,
                revision_number__in=[previous.revision_number, entry.revision_number],
            ).values("revision_number", *EVENT_FIELDS)
        }
        old, new = forms.get(previous.revision_number), forms.get(entry.revision_number)
        if old is not None and new is not None:
            changes += [
                {"field": name, "label": _label(name), "old": old[name], "new": new[name]}
                for name in EVENT_FIELDS
                if old[name] != new[name]
            ]
    if previous.status != entry.status:
        changes.append(
            {"field": "status", "label": _label("status"), "old": previous.status,
             "new": entry.status}
        )  # fmt: skip
    return changes


def events_record(*, operator: PublishedOperator) -> list[WebhookDelivery]:
    """One delivery for every active subscription watching ``operator``, when this
    publication changed or cancelled it; its send task commits with the publication.

    Reads the change-log entry that ``changelog`` wrote for this publication (its
    receiver is connected first, OpendataConfig.ready): a publication that changed
    nothing wrote none, so the newest entry is one already recorded, and the unique
    (subscription, change_position) with the watch's creation time keep it from being
    sent again or to a watch that began after it.
    """
    entry = ChangeEntry.objects.filter(filing_id=operator.filing_id).order_by("-position").first()
    if entry is None or entry.kind not in _EVENT_TYPES:
        return []
    if (entry.status, entry.revision_number) != (operator.status, operator.revision_number):
        return []  # not this publication's entry: changelog's receiver has not run
    watching = list(
        WebhookSubscription.objects.filter(
            active=True,
            api_key__revoked_at=None,
            watches__ie_code=entry.ie_code,
            watches__created_at__lte=entry.occurred_at,
        )
        .exclude(deliveries__change_position=entry.position)
        .distinct()
    )
    if not watching:
        return []
    event_type = _EVENT_TYPES[entry.kind]
    event_id = uuid.uuid4()
    payload = json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "occurred_at": entry.occurred_at.isoformat(),
            "ie_code": entry.ie_code,
            "uscc": operator.uscc,
            "name_cn": operator.name_cn,
            "change_cursor": cursors.change_cursor(entry.position),
            "changes": _changes(entry),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    # No other publication of this operator runs meanwhile (its filing row is locked), so
    # the exclusion above leaves nothing for the unique constraint to refuse.
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription,
            event_id=event_id,
            event_type=event_type,
            change_position=entry.position,
            ie_code=entry.ie_code,
            payload=payload,
            next_attempt_at=entry.occurred_at,
            give_up_at=entry.occurred_at + GIVE_UP_AFTER,
        )
        for subscription in watching
    )
    for delivery in deliveries:
        webhook_deliver.enqueue(delivery.pk)
    return deliveries


@receiver(operator_published, dispatch_uid="opendata_webhooks")
def _published(*, operator: PublishedOperator, **_kwargs: Any) -> None:
    events_record(operator=operator)
