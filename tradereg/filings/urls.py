from django.urls import path

from tradereg.filings import views

app_name = "filings"
urlpatterns = [
    path("filing/new/", views.filing_start, name="new"),
    path("filing/new/form/", views.filing_new_form, name="new_form"),
    path("filing/new/done/", views.filing_new_done, name="new_done"),
    path("accounts/claim/<str:token>/", views.account_claim, name="claim"),
    path("my/", views.my_home, name="my"),
    path("my/filings/", views.my_filings, name="list"),
    path("my/filings/<int:pk>/", views.filing_detail, name="detail"),
    path("my/filings/<int:pk>/edit/", views.filing_edit, name="edit"),
    path("my/filings/<int:pk>/report/", views.filing_report, name="report"),
    path("my/filings/<int:pk>/history/", views.filing_history, name="history"),
    path("my/filings/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "my/filings/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "my/filings/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
]
