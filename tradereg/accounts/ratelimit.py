"""A small fixed-window rate limit on the cache.

``hit`` counts one attempt; ``limit_per_address`` wraps a view so that too many POSTs
from one source address get a 429 page with a clear message instead of the view.

Where an attempt counts (settings.CACHES): by default in ``SHARED`` (Redis, else the
database: exact across every process of the machine), for requests that write anyway (a
POST, the audited verification); the public lookups of the registry count in ``LOOKUPS``
(Redis, else the process's memory), so that a lookup writes nothing to the database.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from tradereg.audit.services import audit_record, client_ip

SHARED = "shared"
LOOKUPS = "default"


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


# Per source address. The login one sits above the per-account lockout and the
# per-address spraying rule; it caps the volume a single address can try at all.
LOGIN = Limit("login", limit=60, window_seconds=10 * 60)
REGISTRATION = Limit("register", limit=20, window_seconds=60 * 60)
PASSWORD_FORGOT = Limit("forgot", limit=5, window_seconds=60 * 60)


def hit(*, key: str, limit: int, window_seconds: int, cache_alias: str = SHARED) -> bool:
    """Count one attempt; True while the caller is still within ``limit`` per window."""
    cache = caches[cache_alias]
    cache_key = f"rl:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit


def address_allows(request: HttpRequest, rule: Limit) -> bool:
    """Count one attempt of ``rule`` from the request's address (after trusted proxies);
    a refusal leaves a ``rate_limit_refused`` audit event."""
    allowed = hit(
        key=f"{rule.name}:ip:{client_ip(request) or 'unknown'}",
        limit=rule.limit,
        window_seconds=rule.window_seconds,
    )
    if not allowed:
        audit_record(
            event="rate_limit_refused", request=request, limit=rule.name, path=request.path[:200]
        )
    return allowed


def refused_message(rule: Limit) -> str:
    minutes = max(1, rule.window_seconds // 60)
    return _("操作过于频繁，请%(minutes)d分钟后再试。") % {"minutes": minutes}


def refused_response(request: HttpRequest, rule: Limit) -> HttpResponse:
    """429 with the message in Chinese."""
    body = render_to_string(
        "accounts/rate_limited.html", {"message": refused_message(rule)}, request=request
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(rule.window_seconds)
    return response


def limit_per_address(rule: Limit, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Decorator for a view (``method_decorator`` for a class-based one)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and not address_allows(request, rule):
                return refused_response(request, rule)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
