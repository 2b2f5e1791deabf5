"""Who is asking and how much they may: every request under /api/v1/ passes ``guarded``.

A key (``Authorization: Bearer …`` or ``X-API-Key``) is counted per key, anonymous use
per client address, in fixed one-minute windows on the lookups' cache
(accounts.ratelimit: Redis, else process memory), so a public GET writes nothing to the
database. Every answer carries RateLimit-Limit/-Remaining/-Reset; a refusal is 429 with
Retry-After. The registry's reads are marked public (common.replica), so with a replica
configured they go there.
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

from tradereg.accounts import ratelimit
from tradereg.audit.services import client_ip
from tradereg.common.replica import public_reads
from tradereg.opendata import selectors, services

WINDOW_SECONDS = 60


def error_response(status: int, code: str, zh: str, en: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message_zh": zh, "message_en": en},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _presented_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key", "").strip() or None


def _count(who: str, limit: int) -> tuple[bool, int, int]:
    """Count one request of ``who``: (allowed, remaining, seconds to the window's end)."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"api:{who}:{window}"
    allowed = ratelimit.hit(
        key=key, limit=limit, window_seconds=WINDOW_SECONDS, cache_alias=ratelimit.LOOKUPS
    )
    used = caches[ratelimit.LOOKUPS].get(f"rl:{key}") or limit
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    return allowed, max(limit - used, 0), reset


def _as_json(response: HttpResponse) -> HttpResponse:
    """Django's own 404 and 405 (unknown method) as the API's JSON errors."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    if response.status_code == 405:
        refused = error_response(
            405, "method_not_allowed", "不支持该请求方法。", "This method is not allowed here."
        )
        refused["Allow"] = response.get("Allow", "GET")
        return refused
    if response.status_code == 404:
        return error_response(404, "not_found", "没有找到。", "Not found.")
    return response


def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap one view of the API: identify, count, refuse or answer, add the headers."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        presented = _presented_key(request)
        api_key = selectors.api_key_find(key=presented) if presented else None
        request.api_key = api_key  # type: ignore[attr-defined]
        if api_key is not None:
            who, limit = f"key:{api_key.pk}", settings.API_RATE_KEY_PER_MINUTE
        else:
            who = f"ip:{client_ip(request) or 'unknown'}"
            limit = settings.API_RATE_ANONYMOUS_PER_MINUTE
        allowed, remaining, reset = _count(who, limit)
        if presented and api_key is None:
            response: HttpResponse = error_response(
                401,
                "api_key_invalid",
                "接口密钥无效或已吊销。",
                "The API key is not valid or has been revoked.",
            )
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        elif not allowed:
            response = error_response(
                429,
                "rate_limited",
                f"请求过于频繁：每分钟最多{limit}次，请{reset}秒后再试。",
                f"Too many requests: at most {limit} a minute; retry in {reset} s.",
            )
            response["Retry-After"] = str(reset)
        else:
            if api_key is not None:
                services.api_key_touch(api_key=api_key)
            with public_reads():
                try:
                    response = _as_json(view(request, *args, **kwargs))
                except Http404:
                    response = _as_json(HttpResponse(status=404))
        response["RateLimit-Limit"] = str(limit)
        response["RateLimit-Remaining"] = str(remaining)
        response["RateLimit-Reset"] = str(reset)
        return response

    return wrapped
