from django.urls import URLPattern, path

from tradereg.opendata import views, views_batch
from tradereg.opendata.api import api
from tradereg.opendata.limits import guarded

app_name = "opendata"
urlpatterns = [
    path("office/api-keys/", views.api_keys, name="api_keys"),
    path("office/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("verify/batch/", views_batch.verify_batch, name="verify_batch"),
]


def api_urls() -> tuple[list, str, str]:
    """The API's URLconf with every view behind ``guarded`` (keys, limits, headers)."""
    patterns, app, namespace = api.urls
    for pattern in patterns:
        assert isinstance(pattern, URLPattern)
        pattern.callback = guarded(pattern.callback)
    return patterns, app, namespace
