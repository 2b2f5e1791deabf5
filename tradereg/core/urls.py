from django.urls import path

from tradereg.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("app/", views.app_home, name="app_home"),
    path("healthz", views.healthz, name="healthz"),
]
