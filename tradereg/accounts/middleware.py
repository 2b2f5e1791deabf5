"""Idle and absolute session limits, and the regular password change for staff (mlps3),
as 安全策略 sets them (tradereg.accounts.policy).

Runs right after AuthenticationMiddleware, before MessageMiddleware, so it sets up the
message storage itself for the one response it answers on its own.
"""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.messages.storage.base import BaseStorage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tradereg.accounts import security
from tradereg.accounts.policy import security_policy

# Writing the session on every request would cost a database write each; activity
# within this many seconds of the last stamp does not move it.
ACTIVITY_RESOLUTION_SECONDS = 15
KEEPALIVE_PATH = "/accounts/session/keepalive/"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        if security.SESSION_STARTED not in session:
            security.session_start(session, now=now)
            if security.password_is_expired(user):
                session[security.SESSION_PASSWORD_EXPIRED] = True
        else:
            reason = security.session_expiry_reason(session, now=now)
            if reason is not None:
                security.session_expire(request=request, reason=reason)
                return self._to_login(request, reason)
            if now - session.get(security.SESSION_ACTIVITY, 0) >= ACTIVITY_RESOLUTION_SECONDS:
                session[security.SESSION_ACTIVITY] = now
        # base.html hands this to the warning dialog (static/js/session.js). This request
        # is activity, so the idle limit starts again (the stamp is at most a few seconds
        # old); within the last stretch before the absolute limit, that one counts.
        request.session_seconds_left = security.session_page_seconds(  # type: ignore[attr-defined]
            session, now=now
        )
        max_age = security_policy().password_max_age_days
        # The flag is set at login; a 安全管理员 turning the change off lifts it at once.
        if (
            max_age
            and session.get(security.SESSION_PASSWORD_EXPIRED)
            and not self._may_pass(request)
        ):
            storage = self._messages(request)
            messages.warning(
                request, _("您的密码已超过%(days)d天未更换，请先修改密码。") % {"days": max_age}
            )
            response = redirect("accounts:password_change")
            storage.update(response)
            return response
        return self.get_response(request)

    @staticmethod
    def _messages(request: HttpRequest) -> BaseStorage:
        """What MessageMiddleware would set up, for a response answered before it runs."""
        storage = default_storage(request)
        setattr(request, "_messages", storage)  # noqa: B010 - MessageMiddleware's attribute
        return storage

    def _to_login(self, request: HttpRequest, reason: str) -> HttpResponse:
        """Back to the login page, and after it to the page the user was on (a GET: the
        browser restores what was typed, see static/js/app.js)."""
        if reason == security.ABSOLUTE:
            message = _("登录时间已超过%(hours)d小时，您已退出登录，请重新登录。") % {
                "hours": security_policy().session_max_hours
            }
        else:
            message = _("由于长时间未操作，您已退出登录，请重新登录。")
        if request.path == KEEPALIVE_PATH or request.headers.get("HX-Request"):
            return JsonResponse({"expired": True, "message": message}, status=401)
        storage = self._messages(request)
        messages.info(request, message)
        login = reverse("accounts:login")
        response = HttpResponseRedirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        storage.update(response)
        return response

    @staticmethod
    def _may_pass(request: HttpRequest) -> bool:
        """The account pages (login, second factor, logout, the change page) stay open."""
        return request.path.startswith(("/accounts/", "/static/"))
