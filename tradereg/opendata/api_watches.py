"""Watches at /api/v1/watches: a key with the ``watch`` scope registers a webhook and the
operators it watches, and reads its delivery log (docs/api.md, "Watches and webhooks").

Every route needs a key; a key sees only its own subscriptions (any other id is 404).
The router is added to the API by its import path (opendata.api), so this module does
not import the API, nor the API this one.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from tradereg.opendata import cursors, webhooks
from tradereg.opendata.limits import error_response
from tradereg.opendata.models import ApiKey, WebhookDelivery, WebhookSubscription
from tradereg.opendata.schemas import Error
from tradereg.opendata.schemas_watches import (
    DeliveryOut,
    DeliveryPage,
    OperatorsIn,
    WatchCreated,
    WatchedOut,
    WatchIn,
    WatchOut,
)

ERRORS = {frozenset({400, 401, 403, 404, 422, 429}): Error}

watches = Router(tags=["watches"])


class _Refused(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(code)
        self.status, self.code, self.zh, self.en = status, code, zh, en


def _answers(view: Callable[..., Any]) -> Callable[..., Any]:
    """A refusal of this module or of the services as the API's ``Error`` JSON."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except _Refused as refused:
            return error_response(refused.status, refused.code, refused.zh, refused.en)
        except webhooks.WatchRefused as refused:
            return error_response(422, refused.code, refused.zh, refused.en)

    return wrapped


def _holder(request: HttpRequest) -> ApiKey:
    """The request's key, if it may use watches: 401 without one, 403 without the
    ``watch`` scope."""
    api_key = getattr(request, "api_key", None)
    if api_key is None:
        raise _Refused(
            401,
            "api_key_required",
            "变更订阅需要接口密钥。",
            "Watches need an API key.",
        )
    if ApiKey.Scope.WATCH not in api_key.scopes:
        raise _Refused(
            403,
            "scope_missing",
            "该接口密钥无权访问此接口。",
            f"This API key lacks the scope {ApiKey.Scope.WATCH}.",
        )
    return api_key


def _own(request: HttpRequest, watch_id: int) -> WebhookSubscription:
    subscription = webhooks.subscription_of(api_key=_holder(request), pk=watch_id)
    if subscription is None:
        raise _Refused(404, "watch_not_found", "没有找到该订阅。", "No such watch.")
    return subscription


def _out(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "url": subscription.url,
        "created_at": subscription.created_at,
        "operators": [
            WatchedOut(ie_code=watch.ie_code, typed=watch.typed)
            for watch in subscription.watches.all()
        ],
    }


@watches.post("", response={201: WatchCreated, **ERRORS}, url_name="watches")
@_answers
def watch_create(request: HttpRequest, body: WatchIn):
    """Register a webhook and the operators it watches. The answer holds the secret that
    signs the events, once."""
    api_key = _holder(request)
    subscription, secret = webhooks.subscription_create(
        api_key=api_key, url=body.url, codes=body.operators, request=request
    )
    return Status(201, {**_out(subscription), "secret": secret})


@watches.get("", response={200: list[WatchOut], **ERRORS}, url_name="watch_list")
@_answers
def watch_list(request: HttpRequest):
    """The key's subscriptions, newest first."""
    return [
        _out(subscription) for subscription in webhooks.subscriptions_of(api_key=_holder(request))
    ]


@watches.get("/{watch_id}", response={200: WatchOut, **ERRORS}, url_name="watch")
@_answers
def watch_detail(request: HttpRequest, watch_id: int):
    """One subscription with its watched operators (never its secret)."""
    return _out(_own(request, watch_id))


@watches.delete("/{watch_id}", response={204: None, **ERRORS}, url_name="watch_delete")
@_answers
def watch_delete(request: HttpRequest, watch_id: int):
    """Stop the subscription: nothing more is sent to it."""
    webhooks.subscription_delete(subscription=_own(request, watch_id), request=request)
    return Status(204, None)


@watches.post(
    "/{watch_id}/operators", response={200: WatchOut, **ERRORS}, url_name="watch_operators"
)
@_answers
def watch_operators_add(request: HttpRequest, watch_id: int, body: OperatorsIn):
    """Watch more operators (by 进出口企业代码 or USCC); one unknown code adds none."""
    subscription = _own(request, watch_id)
    webhooks.watches_add(subscription=subscription, codes=body.operators, request=request)
    return _out(_own(request, watch_id))


@watches.delete(
    "/{watch_id}/operators/{code}",
    response={204: None, **ERRORS},
    url_name="watch_operator_delete",
)
@_answers
def watch_operator_remove(request: HttpRequest, watch_id: int, code: str):
    """Stop watching one operator (its 进出口企业代码, or the code it was added by)."""
    subscription = _own(request, watch_id)
    if not webhooks.watch_remove(subscription=subscription, code=code[:40], request=request):
        raise _Refused(
            404,
            "operator_not_watched",
            "该订阅未关注此经营者。",
            "This watch has no such operator.",
        )
    return Status(204, None)


@watches.get(
    "/{watch_id}/deliveries", response={200: DeliveryPage, **ERRORS}, url_name="watch_deliveries"
)
@_answers
def watch_deliveries(
    request: HttpRequest,
    watch_id: int,
    after: str | None = Query(None, max_length=200, description="next_cursor of a page"),
    limit: int = Query(50, ge=1, le=200),
):
    """The delivery log: every event sent to this webhook, newest first, with its
    attempts and the receiver's last answer."""
    subscription = _own(request, watch_id)
    try:
        before = cursors.delivery_before(after) if after else None
    except cursors.CursorInvalid:
        raise _Refused(
            400, "cursor_invalid", "分页游标无效。", "The cursor is not valid."
        ) from None
    page, next_before = webhooks.deliveries_page(
        subscription=subscription, before=before, limit=limit
    )
    return {
        "deliveries": [_delivery(row) for row in page],
        "next_cursor": cursors.delivery_cursor(next_before),
    }


def _delivery(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=str(row.delivery_id),
        event_id=str(row.event_id),
        event_type=row.event_type,
        ie_code=row.ie_code,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
    )
