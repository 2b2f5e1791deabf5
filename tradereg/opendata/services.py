"""Writes of the open-data app: API keys, issued and revoked by the 系统管理员 (the change
log is written by changelog.py, in the registry's publishing transaction)."""

import secrets
from datetime import timedelta

from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from tradereg.accounts import ratelimit
from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.opendata.models import ApiKey

KEY_START = "trk_"
PREFIX_LENGTH = 12
LAST_USED_EVERY = timedelta(minutes=1)


def api_key_digest(key: str) -> str:
    """What is stored of a key: a keyed hash (SECRET_KEY), never the key itself."""
    return salted_hmac("tradereg.opendata.api-key", key, algorithm="sha256").hexdigest()


def api_key_issue(
    *,
    name: str,
    scopes: list[str],
    acting_user: User,
    request: HttpRequest | None = None,
    token: str | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key; returns the row and the key itself, which is shown once and never
    again (an empty key when ``token``, the issuing form's, was used already: that key
    exists and is not shown twice). Leaves an ``api_key_issued`` audit event."""
    key = KEY_START + secrets.token_urlsafe(32)
    with transaction.atomic():
        earlier = ApiKey.objects.filter(issue_token=token).first() if token else None
        if earlier is not None:
            return earlier, ""
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    name=name,
                    prefix=key[:PREFIX_LENGTH],
                    digest=api_key_digest(key),
                    scopes=sorted(set(scopes)),
                    created_by=acting_user,
                    issue_token=token or None,
                )
        except IntegrityError:
            earlier = ApiKey.objects.filter(issue_token=token).first() if token else None
            if earlier is None:
                raise
            return earlier, ""
        audit_record(
            event="api_key_issued",
            actor=acting_user,
            request=request,
            object_type="api_key",
            object_id=api_key.pk,
            name=name,
            scopes=api_key.scopes,
        )
    return api_key, key


def api_key_revoke(
    *, api_key: ApiKey, acting_user: User, request: HttpRequest | None = None
) -> ApiKey:
    """Revoke a key: the next request that sends it is refused. Idempotent (a revoked
    key stays revoked, with no second audit event)."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            event="api_key_revoked",
            actor=acting_user,
            request=request,
            object_type="api_key",
            object_id=locked.pk,
            name=locked.name,
        )
    return locked


def api_key_touch(*, api_key: ApiKey) -> bool:
    """Note that the key was used now, at most once a minute per key and process group
    sharing the cache (a marker in the lookups' cache), so most keyed requests write
    nothing. Returns whether it wrote."""
    cache = caches[ratelimit.LOOKUPS]
    if not cache.add(f"apikey-used:{api_key.pk}", 1, timeout=LAST_USED_EVERY.seconds):
        return False
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return True
