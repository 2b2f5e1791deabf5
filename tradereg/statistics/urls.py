from django.urls import path

from tradereg.statistics import views

app_name = "statistics"
urlpatterns = [
    path("office/statistics/", views.statistics_page, name="page"),
    path("office/statistics/export/", views.statistics_export, name="export"),
]
