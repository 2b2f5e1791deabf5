from django.urls import path

from tradereg.office import views

app_name = "office"
urlpatterns = [
    path("office/", views.queue, name="queue"),
    path("office/export/", views.queue_export, name="queue_export"),
    path("office/filings/<int:pk>/", views.review, name="review"),
    path("office/filings/<int:pk>/approve/", views.approve, name="approve"),
    path("office/filings/<int:pk>/return/", views.return_filing, name="return"),
    path("office/filings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("office/filings/<int:pk>/notes/", views.note, name="note"),
    path("office/filings/<int:pk>/id-number/", views.id_number_reveal, name="id_number_reveal"),
    path("office/accounts/", views.accounts, name="accounts"),
    path("office/filings/<int:pk>/claim/", views.claim, name="claim"),
    path("office/users/<int:user_pk>/password-reset/", views.password_reset, name="password_reset"),
    path("office/import/", views.legacy_import, name="legacy_import"),
    path("office/import/<slug:token>/", views.legacy_import_detail, name="legacy_import_detail"),
    path(
        "office/import/<slug:token>/progress/",
        views.legacy_import_progress,
        name="legacy_import_progress",
    ),
    path(
        "office/import/<slug:token>/report/",
        views.legacy_import_report,
        name="legacy_import_report",
    ),
]
