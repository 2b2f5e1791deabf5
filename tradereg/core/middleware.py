from django.conf import settings


class ForwardedForMiddleware:
    """Behind the project's own reverse proxy, take the client address it reports.

    Only on with BEHIND_PROXY=1: otherwise a client could forge its address and escape the
    rate limits and the login lockout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.BEHIND_PROXY:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded:
                request.META["REMOTE_ADDR"] = forwarded.split(",")[-1].strip()
        return self.get_response(request)
