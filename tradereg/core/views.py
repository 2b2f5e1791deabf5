from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tradereg.core.models import Announcement

HOME_ANNOUNCEMENTS = 5


def home(request: HttpRequest) -> HttpResponse:
    """Home: announcements (pinned first, then newest) and the guides for three kinds of
    enterprise from the manual."""
    announcements = Announcement.objects.published()[:HOME_ANNOUNCEMENTS]
    return render(request, "core/home.html", {"announcements": announcements})


def app_home(request: HttpRequest) -> HttpResponse:
    """应用首页: leads to 经营者信息查询 and 空白表下载."""
    return render(request, "core/app_home.html")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 "ok" when this process answers and reaches its database,
    503 otherwise; no session, no template, nothing about the data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means: take me out
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
