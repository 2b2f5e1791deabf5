from django.urls import path

from tradereg.core.views import coming_soon

app_name = "regulations"
urlpatterns = [
    path("regulations/", coming_soon, {"title": "法律法规"}, name="list"),
]
