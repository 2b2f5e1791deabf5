from typing import Any

from django.http import HttpRequest

from tradereg.audit.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    event: str,
    actor=None,
    filing=None,
    request: HttpRequest | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit event; called inside the transaction of the change it records."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        event=event, actor=actor, filing=filing, ip_address=client_ip(request), data=data
    )
