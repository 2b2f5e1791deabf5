from django.urls import path

from tradereg.authorities import views

app_name = "authorities"
urlpatterns = [
    path("authorities/pick/", views.authority_pick, name="pick"),
]
