from django.urls import path

from tradereg.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.event_list, name="list"),
    path("audit/export.csv", views.event_export, name="export"),
]
