from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
