"""Attachment files live outside every public path (ASVS 5.0 V5.3.1 files not served
from the web root; 等保 8.1.4.2 访问控制): only the access-checked download view serves
them."""

import importlib

from django.conf import settings
from django.test import Client
from django.urls import get_resolver


def test_attachment_files_are_not_served_by_any_public_url(world):
    attachment = world["attachment"]
    name = attachment.file.name
    assert name.startswith("attachments/")
    client = world["clients"]["owner"]
    for url in (f"/media/{name}", f"/{name}", f"/static/{name}", attachment.file.url):
        assert client.get(url).status_code == 404, url
    assert Client().get(f"/media/{name}").status_code == 404


def test_media_root_is_outside_static_files():
    """As configured, not as the tests move it to a temporary folder."""
    media = importlib.import_module("tradereg.settings").MEDIA_ROOT.resolve()
    for static in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        static = static.resolve()
        assert not media.is_relative_to(static)
        assert not static.is_relative_to(media)


def test_no_url_pattern_serves_media():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route, pattern.callback

    for route, callback in walk(get_resolver().url_patterns):
        assert not route.startswith("media"), route
        assert getattr(callback, "__name__", "") != "serve", route
