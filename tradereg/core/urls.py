from django.contrib.auth.decorators import login_required
from django.urls import path

from tradereg.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("app/", views.app_home, name="app_home"),
    path("office/", login_required(views.coming_soon), {"title": "审核工作台"}, name="office"),
]
