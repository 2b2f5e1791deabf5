"""The audit trail's one setting, read here so that the settings module stays untouched.

``AUDIT_RETENTION_DAYS`` comes from the settings module when it defines it, else from the
environment (12-factor, like every other setting), else 184 days. Less than 184 days is
refused: 等保 level 3 asks for at least six months of logs.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MINIMUM_RETENTION_DAYS = 184


def retention_days() -> int:
    """The configured retention in days; ImproperlyConfigured below the minimum."""
    raw = getattr(settings, "AUDIT_RETENTION_DAYS", None)
    if raw is None:
        raw = os.environ.get("AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS must be a whole number, not {raw!r}."
        ) from exc
    if days < MINIMUM_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS is {days}; audit events are kept at least "
            f"{MINIMUM_RETENTION_DAYS} days."
        )
    return days
