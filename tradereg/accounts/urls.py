from django.urls import path

from tradereg.accounts import security_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/forgot/sent/", views.password_forgot_sent, name="password_forgot_sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset",
    ),
    path("password/change/", security_views.password_change, name="password_change"),
    path("session/keepalive/", security_views.session_keepalive, name="session_keepalive"),
]
