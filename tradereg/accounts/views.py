from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tradereg.accounts import otp_services, ratelimit, services
from tradereg.accounts.forms import LoginForm, OTPTokenForm, PasswordForgotForm, PasswordResetForm
from tradereg.accounts.models import User
from tradereg.audit.services import client_ip

FORGOT_LIMIT_PER_HOUR = 5


@method_decorator(ratelimit.limit_per_address(ratelimit.LOGIN), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        services.login_succeeded(user=user, request=self.request)
        if otp_services.second_factor_required(user):
            # The password was right; the second factor comes next, then the same target.
            step = "accounts:otp_verify" if otp_services.totp_device(user) else "accounts:otp_bind"
            return redirect(f"{reverse(step)}?{urlencode({'next': response.url})}")
        otp_services.login_completed(user=user, request=self.request)
        return response

    def form_invalid(self, form):
        services.login_failed(username=self.request.POST.get("username", ""), request=self.request)
        return super().form_invalid(form)

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


def landing_url(user) -> str:
    """Where each role starts after logging in."""
    if user.role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN):
        return "/admin/"
    if user.role == User.Role.AUDITOR:
        return "/audit/"
    if user.role in (User.Role.OFFICER, User.Role.SUPERVISOR):
        return "/office/"
    return reverse("filings:my")


def _next_url(request: HttpRequest) -> str:
    """The page the login was for, if it is one of ours; else the role's start page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return landing_url(request.user)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: says that the account or address is locked and until when."""
    context = {
        "locked_until": otp_services.lock_ends_for(request, credentials),
        "cool_off_minutes": int(get_cool_off(request).total_seconds() // 60),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def _locked_now(request: HttpRequest, user: User) -> HttpResponse | None:
    """A locked account's half-open session ends; the page says until when."""
    credentials = {"username": user.get_username()}
    if getattr(request, "axes_locked_out", False) or not AxesProxyHandler.is_allowed(
        request, credentials
    ):
        logout(request)
        return locked_out(request, credentials=credentials)
    return None


@never_cache
@login_required
def otp_bind(request: HttpRequest) -> HttpResponse:
    """绑定身份验证器: QR code and 密钥, confirmed with a first 动态验证码; then the
    recovery codes, shown this once."""
    user = request.user
    if otp_services.totp_device(user) is not None:
        # Already bound: verify it (a new one is bound only after a reset).
        return redirect("accounts:otp_settings" if user.is_verified() else "accounts:otp_verify")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST":
        locked = _locked_now(request, user)
        if locked is not None:
            return locked
        if form.is_valid():
            codes = otp_services.totp_bind(
                user=user, token=form.cleaned_data["token"], request=request
            )
            if codes is not None:
                return render(
                    request,
                    "accounts/otp_recovery_codes.html",
                    {"codes": codes, "next": _next_url(request)},
                )
            locked = _locked_now(request, user)
            if locked is not None:
                return locked
            form.add_error("token", _("动态验证码不正确，请核对手机时间后重新输入。"))
    device = otp_services.binding_device(user)
    return render(
        request,
        "accounts/otp_bind.html",
        {
            "form": form,
            "key": otp_services.key_text(device),
            "qr_svg": otp_services.key_qr_svg(device),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: 动态验证码 from the bound app, or one recovery code."""
    user = request.user
    if user.is_verified() or otp_services.totp_device(user) is None:
        return redirect(_next_url(request))
    form = OTPTokenForm(request.POST or None, recovery=True)
    if request.method == "POST":
        locked = _locked_now(request, user)
        if locked is not None:
            return locked
        if form.is_valid():
            if otp_services.second_factor_verify(
                user=user, token=form.cleaned_data["token"], request=request
            ):
                return redirect(_next_url(request))
            locked = _locked_now(request, user)
            if locked is not None:
                return locked
            form.add_error("token", _("动态验证码不正确或已使用过，请输入新的动态验证码。"))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@login_required
def otp_settings(request: HttpRequest) -> HttpResponse:
    """动态验证码 settings: enterprises turn it on or off; staff always have it on."""
    return render(
        request,
        "accounts/otp_settings.html",
        {
            "device": otp_services.totp_device(request.user),
            "is_enterprise": request.user.role == User.Role.ENTERPRISE,
        },
    )


@require_POST
@login_required
def otp_disable(request: HttpRequest) -> HttpResponse:
    if request.user.role != User.Role.ENTERPRISE:
        messages.error(request, _("工作人员账号必须使用动态验证码，不能关闭。"))
        return redirect("accounts:otp_settings")
    otp_services.second_factor_disable(user=request.user, request=request)
    messages.success(request, _("已关闭动态验证码登录。"))
    return redirect("accounts:otp_settings")


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
