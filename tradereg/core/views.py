from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def app_home(request: HttpRequest) -> HttpResponse:
    """应用首页: leads to 经营者信息查询 and 空白表下载."""
    return render(request, "core/app_home.html")


def coming_soon(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "core/coming_soon.html", {"title": title})
