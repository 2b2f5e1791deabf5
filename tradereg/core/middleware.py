import ipaddress

from django.conf import settings
from django.http import Http404
from django.utils.cache import patch_cache_control


class ForwardedForMiddleware:
    """Behind the project's own reverse proxy, take the client address it reports.

    Only with BEHIND_PROXY=1 and only from an address in TRUSTED_PROXIES: otherwise a
    client could forge its address and escape the rate limits and the login lockout.
    The last address of X-Forwarded-For is the one the trusted proxy saw.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = {ipaddress.ip_address(a) for a in settings.TRUSTED_PROXIES}

    def __call__(self, request):
        if settings.BEHIND_PROXY and self._from_trusted_proxy(request):
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded:
                request.META["REMOTE_ADDR"] = forwarded.split(",")[-1].strip()
        return self.get_response(request)

    def _from_trusted_proxy(self, request) -> bool:
        try:
            return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")) in self.trusted
        except ValueError:
            return False


class AdminNetworkMiddleware:
    """/admin/ answers only from ADMIN_ALLOWED_NETWORKS when that list is set (the
    ministry's intranet, say); elsewhere it does not exist (404)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = [
            ipaddress.ip_network(n, strict=False) for n in settings.ADMIN_ALLOWED_NETWORKS
        ]

    def __call__(self, request):
        if self.networks and request.path.startswith("/admin/"):
            try:
                address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
            except ValueError:
                raise Http404 from None
            if not any(address in network for network in self.networks):
                raise Http404
        return self.get_response(request)


class PersonalDataNoStoreMiddleware:
    """``Cache-Control: no-store`` on every response that may carry personal data.

    That is everything a logged-in person is shown (filings, ID numbers, attachments),
    and every answer to a form post (a form shown again holds what was typed, ID number
    included), so neither a shared computer's browser cache nor a proxy keeps a copy.
    Public pages and static files stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method != "GET" or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        return response
