from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from tradereg.accounts import ratelimit, services
from tradereg.accounts.forms import LoginForm, PasswordForgotForm, PasswordResetForm
from tradereg.accounts.models import User
from tradereg.audit.services import client_ip

FORGOT_LIMIT_PER_HOUR = 5


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.login_succeeded(user=form.get_user(), request=self.request)
        return response

    def form_invalid(self, form):
        services.login_failed(username=self.request.POST.get("username", ""), request=self.request)
        return super().form_invalid(form)

    def get_default_redirect_url(self):
        user = self.request.user
        if user.role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN):
            return "/admin/"
        if user.role == User.Role.AUDITOR:
            return "/audit/"
        if user.role in (User.Role.OFFICER, User.Role.SUPERVISOR):
            return "/office/"
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        services.logout_recorded(user=request.user, request=request)
        return super().post(request, *args, **kwargs)


def password_forgot(request: HttpRequest) -> HttpResponse:
    """忘记密码: the same answer whether or not the pair matches; rate limited."""
    form = PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].lower()
        allowed = ratelimit.hit(
            key=f"forgot:ip:{client_ip(request)}", limit=FORGOT_LIMIT_PER_HOUR, window_seconds=3600
        ) and ratelimit.hit(
            key=f"forgot:user:{username}", limit=FORGOT_LIMIT_PER_HOUR, window_seconds=3600
        )
        if not allowed:
            form.add_error(None, _("操作过于频繁，请一小时后再试，或联系备案登记机关重置密码。"))
        else:
            services.password_reset_request(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                request=request,
            )
            return redirect("accounts:password_forgot_sent")
    return render(request, "accounts/password_forgot.html", {"form": form})


def password_forgot_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_forgot_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(user=form.user, request=self.request)
        messages.success(self.request, _("密码已重置，请使用新密码登录。"))
        return response
