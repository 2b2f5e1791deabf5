from django.urls import path

from tradereg.registry import views

app_name = "registry"
urlpatterns = [
    path("operators/", views.operator_search, name="operators"),
    path("operators/<int:pk>/", views.operator_detail, name="operator"),
]
