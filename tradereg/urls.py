from django.contrib import admin
from django.urls import include, path

from tradereg.opendata.urls import api_urls

urlpatterns = [
    path("", include("tradereg.core.urls")),
    path("accounts/", include("tradereg.accounts.urls")),
    path("", include("tradereg.filings.urls")),
    path("", include("tradereg.authorities.urls")),
    path("", include("tradereg.printing.urls")),
    path("", include("tradereg.office.urls")),
    path("", include("tradereg.statistics.urls")),
    path("", include("tradereg.registry.urls")),
    path("", include("tradereg.regulations.urls")),
    path("", include("tradereg.audit.urls")),
    path("", include("tradereg.opendata.urls")),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
]
