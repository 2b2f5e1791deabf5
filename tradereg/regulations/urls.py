from django.urls import path

from tradereg.regulations import views

app_name = "regulations"
urlpatterns = [
    path("regulations/", views.regulation_list, name="list"),
    path("regulations/<slug:slug>/", views.regulation_detail, name="detail"),
    path(
        "regulations/<slug:slug>/attachment.pdf",
        views.regulation_attachment,
        name="attachment",
    ),
]
