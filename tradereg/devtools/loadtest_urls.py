"""The project's URLs plus the bench's bare view; loaded only by loadtest_settings."""

from django.urls import include, path

from tradereg.devtools.loadtest import BARE_PATH
from tradereg.devtools.management.commands.bench import bare

urlpatterns = [path(BARE_PATH.strip("/") + "/", bare), path("", include("tradereg.urls"))]
