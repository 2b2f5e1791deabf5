from django.urls import path

from tradereg.printing import views
from tradereg.printing.models import Side

FRONT = {"side": Side.FRONT}
BACK = {"side": Side.BACK}

app_name = "printing"
urlpatterns = [
    # public: by 登记表编号 + code; the result and its PDFs need this session's lookup
    path("print/", views.print_lookup, name="print"),
    path("print/<int:pk>/", views.print_result, name="print_result"),
    path("print/<int:pk>/front.pdf", views.print_pdf, FRONT, name="print_pdf_front"),
    path("print/<int:pk>/back.pdf", views.print_pdf, BACK, name="print_pdf_back"),
    # the owner (or the session that has just saved the filing)
    path("filing/<int:pk>/application-form/", views.application_form, name="application_form"),
    path(
        "filing/<int:pk>/application-form/front.pdf",
        views.application_pdf,
        FRONT,
        name="application_pdf_front",
    ),
    path(
        "filing/<int:pk>/application-form/back.pdf",
        views.application_pdf,
        BACK,
        name="application_pdf_back",
    ),
    # public
    path("forms/blank/", views.blank_forms, name="blank_forms"),
    path("forms/blank/front.pdf", views.blank_pdf, FRONT, name="blank_pdf_front"),
    path("forms/blank/back.pdf", views.blank_pdf, BACK, name="blank_pdf_back"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
