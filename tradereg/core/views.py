from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from tradereg.core import health, pagecache
from tradereg.core.models import Announcement

HOME_ANNOUNCEMENTS = 5


def _until_next_announcement() -> float:
    """Seconds until the next scheduled announcement is due: the cached home page must
    not outlive the moment it should appear."""
    now = timezone.now()
    due = (
        Announcement.objects.filter(is_published=True, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return (due - now).total_seconds() if due else pagecache.TIMEOUT


@pagecache.anonymous_page(timeout=_until_next_announcement)
def home(request: HttpRequest) -> HttpResponse:
    """Home: announcements (pinned first, then newest) and the guides for three kinds of
    enterprise from the manual. Each body was rendered to HTML when it was saved."""
    announcements = Announcement.objects.published().only(
        "title", "body_html", "published_at", "pinned"
    )[:HOME_ANNOUNCEMENTS]
    return render(request, "core/home.html", {"announcements": announcements})


@pagecache.anonymous_page()
def app_home(request: HttpRequest) -> HttpResponse:
    """应用首页: leads to 经营者信息查询 and 空白表下载."""
    return render(request, "core/app_home.html")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: the first line is the verdict ("ok", "degraded" or
    "unavailable"), then one line per check (tradereg.core.health); 200 unless a check is
    unavailable, then 503. No session, no template, nothing about the data."""
    checks = health.health_checks()
    verdict = health.overall(checks)
    body = "\n".join([verdict, *(check.line() for check in checks)]) + "\n"
    status = 503 if verdict == health.UNAVAILABLE else 200
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
