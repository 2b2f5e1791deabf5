"""A short-lived cache of public pages as an anonymous visitor sees them.

Only a GET without a query string, from a request with no session and no pending
messages, is served from or written to it, and only a 200 answer that set no cookie,
touched no session and asked for no CSRF token is kept: a page can never carry one
visitor's state to another. The key holds the path, the language and a version that
``version_bump`` replaces; the version lives in the cache shared by all processes (the
database in the embedded mode, Redis otherwise), so a change shows at once everywhere.
"""

import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

VERSION_KEY = "pagecache:version"
PAGES = "default"
VERSIONS = "shared"
TIMEOUT = 30

View = Callable[[HttpRequest], HttpResponse]
Timeout = Callable[[], float]


def version_bump() -> None:
    """Retire every cached page (called after an announcement is saved or deleted)."""
    caches[VERSIONS].set(VERSION_KEY, uuid.uuid4().hex, None)


def _anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
    )


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and (session.modified or not session.is_empty()))
    )


def anonymous_page(timeout: Timeout | None = None) -> Callable[[View], View]:
    """Serve the view's anonymous page from the cache for up to ``TIMEOUT`` seconds, or
    fewer if ``timeout()`` (asked only when the page is rendered) says so."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            if not _anonymous(request):
                return view(request)
            version = caches[VERSIONS].get(VERSION_KEY, "0")
            key = f"pagecache:{version}:{get_language()}:{request.path}"
            cached = caches[PAGES].get(key)
            if cached is not None:
                content, content_type = cached
                response = HttpResponse(content, content_type=content_type)
            else:
                response = view(request)
                if _keepable(request, response):
                    seconds = min(TIMEOUT, timeout()) if timeout else TIMEOUT
                    if seconds >= 1:
                        value = (response.content, response["Content-Type"])
                        caches[PAGES].set(key, value, int(seconds))
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapper

    return decorator
