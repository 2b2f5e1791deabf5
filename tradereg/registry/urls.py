from django.urls import path

from tradereg.core.views import coming_soon

app_name = "registry"
urlpatterns = [
    path("operators/", coming_soon, {"title": "经营者信息查询"}, name="operators"),
]
