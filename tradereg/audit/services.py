from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpRequest

from tradereg.audit.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    event: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    filing: models.Model | None = None,
    filing_id: int | None = None,
    request: HttpRequest | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit event; called inside the transaction of the change it records.

    An anonymous ``actor`` is recorded as none. ``filing_id`` names a filing without its
    row (the public side holds only the published copy).
    """
    # By id: the foreign keys name accounts.User and filings.Filing, which audit (below
    # both) does not import, not even for their types.
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        event=event,
        actor_id=actor_id,
        filing_id=filing.pk if filing is not None else filing_id,
        ip_address=client_ip(request),
        data=data,
    )
