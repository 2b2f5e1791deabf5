from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from tradereg.opendata.urls import api_urls

urlpatterns = [
    path("", include("tradereg.core.urls")),
    path("accounts/", include("tradereg.accounts.urls")),
    path("", include("tradereg.filings.urls")),
    path("", include("tradereg.authorities.urls")),
    path("", include("tradereg.opendata.urls")),  # before printing: /verify/batch/ is no code
    path("", include("tradereg.printing.urls")),
    path("", include("tradereg.office.urls")),
    path("", include("tradereg.statistics.urls")),
    path("", include("tradereg.registry.urls")),
    path("", include("tradereg.regulations.urls")),
    path("", include("tradereg.audit.urls")),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
    # 中文 / English on every page. It sets only the language cookie, so it needs no CSRF
    # token: the cached anonymous pages carry none and must still switch.
    path("i18n/setlang/", csrf_exempt(require_POST(set_language)), name="set_language"),
]
