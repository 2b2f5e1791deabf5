from django.urls import path

from tradereg.accounts import security_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("2fa/", views.otp_settings, name="otp_settings"),
    path("2fa/bind/", views.otp_bind, name="otp_bind"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/disable/", views.otp_disable, name="otp_disable"),
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
