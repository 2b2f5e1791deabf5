"""修改密码 and the session keep-alive (the login views are in views.py)."""

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tradereg.accounts import security
from tradereg.accounts.models import User
from tradereg.accounts.password_forms import PasswordChangeForm

HOME_BY_ROLE = {
    User.Role.ENTERPRISE: "/my/",
    User.Role.OFFICER: "/office/",
    User.Role.SUPERVISOR: "/office/",
    User.Role.SYSTEM_ADMIN: "/admin/",
    User.Role.SECURITY_ADMIN: "/admin/",
    User.Role.AUDITOR: "/audit/",
}


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """修改密码: every other session of the user ends, this one stays."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        security.password_change(
            user=form.user, password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, _("密码已修改。您在其他设备或浏览器上的登录已全部退出。"))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = HOME_BY_ROLE.get(User.Role(form.user.role), "/")
        return redirect(target)
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """【继续使用】 in the warning dialog: one request, so the idle timer starts again.

    The middleware has already ended a session past its limit (401 then).
    """
    if not request.user.is_authenticated:
        return JsonResponse({"expired": True}, status=401)
    now = time.time()
    request.session[security.SESSION_ACTIVITY] = now
    return JsonResponse({"remaining": security.session_remaining_seconds(request.session, now=now)})
