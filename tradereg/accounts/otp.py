"""Until the second factor is verified, a session that needs one reaches only the
binding and verification pages and logout (decision 0016)."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from tradereg.accounts import otp_services

# Pages a half-logged-in session may still open.
OPEN_PATHS = ("/accounts/2fa/bind/", "/accounts/2fa/verify/", "/accounts/logout/")
STATIC_PREFIXES = ("/static/", "/favicon.ico")


class SecondFactorMiddleware:
    """Install after AuthenticationMiddleware and django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        user = request.user
        # Only the administrators have an admin site; to anyone else who is logged in it
        # does not exist, as /audit/ and /office/ do not (handing them to the login page
        # would send them round in a loop: it sends a logged-in user back to ``next``).
        not_an_admin = user.is_authenticated and not user.is_staff
        if path == "/admin/login/" and not not_an_admin:
            # One login page for everyone: the admin's own has no second factor.
            target = reverse("accounts:login")
            query = urlencode({"next": request.GET.get("next", "/admin/")})
            return redirect(f"{target}?{query}")
        if (
            user.is_authenticated
            and not user.is_verified()
            and not path.startswith(OPEN_PATHS + STATIC_PREFIXES)
            and otp_services.second_factor_required(user)
        ):
            name = (
                "accounts:otp_verify"
                if otp_services.totp_device(user) is not None
                else "accounts:otp_bind"
            )
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(f"{reverse(name)}?{query}" if query else reverse(name))
        if not_an_admin and path.startswith("/admin/"):
            raise Http404
        return self.get_response(request)
