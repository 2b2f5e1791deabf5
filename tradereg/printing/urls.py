from django.urls import path

from tradereg.core.views import coming_soon
from tradereg.printing import views

app_name = "printing"
urlpatterns = [
    path("print/", coming_soon, {"title": "打印登记表"}, name="print"),
    path("forms/blank/", coming_soon, {"title": "空白表下载"}, name="blank_forms"),
    path("filing/<int:pk>/application-form/", views.application_form, name="application_form"),
]
