"""Refused access to someone else's object leaves an audit event (等保: 访问控制审计)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tradereg.audit.services import audit_record
from tradereg.common.errors import OutOfScope


class AccessRefusedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Record the refusal, then let Django answer its ordinary 404."""
        if isinstance(exception, OutOfScope):
            audit_record(
                event="access_refused",
                actor=request.user,
                request=request,
                object_type=exception.object_type,
                object_id=exception.object_id,
                outcome="refused",
                path=request.path[:200],
            )
