"""Session limits, password change, ending sessions and dormant staff accounts.

Issue 8 (ASVS 5.0 V7, 等保 第三级 身份鉴别/访问控制): a session ends when idle or too old,
a password change ends every other session, a security admin can end all of a user's
sessions, and staff who stop logging in lose their account by themselves.
"""

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.accounts.policy import security_policy
from tradereg.audit.models import AuditEvent
from tradereg.audit.services import audit_record

SESSION_STARTED = "_tr_session_started"
SESSION_ACTIVITY = "_tr_session_activity"
SESSION_PASSWORD_EXPIRED = "_tr_password_expired"
IDLE, ABSOLUTE = "idle", "absolute"
DORMANT_DAYS = 90
STAFF_ROLES = (
    User.Role.OFFICER,
    User.Role.SUPERVISOR,
    User.Role.SYSTEM_ADMIN,
    User.Role.SECURITY_ADMIN,
    User.Role.AUDITOR,
)
# The events after which a user's password is new (their own change or a reset link).
PASSWORD_SET_EVENTS = ("password_changed", "password_reset_completed")


def idle_limit() -> timedelta:
    """From 安全策略: a change applies at once to every open session."""
    return security_policy().idle_limit


def absolute_limit() -> timedelta:
    return security_policy().absolute_limit


def session_start(session: SessionBase, *, now: float) -> None:
    """Stamp a freshly authenticated session (the first request after login)."""
    session[SESSION_STARTED] = now
    session[SESSION_ACTIVITY] = now


def session_expiry_reason(session: SessionBase, *, now: float) -> str | None:
    """``absolute`` past the maximum age, ``idle`` past the idle limit, else None."""
    started = session.get(SESSION_STARTED)
    activity = session.get(SESSION_ACTIVITY, started)
    if started is None:
        return None
    if now - started >= absolute_limit().total_seconds():
        return ABSOLUTE
    if now - activity >= idle_limit().total_seconds():
        return IDLE
    return None


def session_remaining_seconds(session: SessionBase, *, now: float) -> int:
    """Seconds until this session ends, whichever limit comes first."""
    started = session.get(SESSION_STARTED, now)
    activity = session.get(SESSION_ACTIVITY, now)
    idle_end = activity + idle_limit().total_seconds()
    absolute_end = started + absolute_limit().total_seconds()
    return max(0, int(min(idle_end, absolute_end) - now))


def session_page_seconds(session: SessionBase, *, now: float) -> int:
    """What a page just served has left: the full idle limit, unless the absolute limit
    comes sooner. The same on every page, so two answers differ only in what they show."""
    started = session.get(SESSION_STARTED, now)
    idle = int(idle_limit().total_seconds())
    return max(0, min(idle, int(started + absolute_limit().total_seconds() - now)))


def session_expire(*, request: HttpRequest, reason: str) -> None:
    """Log out a session past its limit; the audit event says which limit."""
    user = request.user
    audit_record(
        event="session_expired",
        actor=user,
        request=request,
        reason=reason,
        object_type="user",
        object_id=user.pk,
    )
    logout(request)


def _sessions_of(user_id: int) -> list[str]:
    """The keys of the user's live database sessions (decoded one by one: the session
    table has no user column, and Django's session store is what signs them)."""
    keys = []
    for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(row.get_decoded().get("_auth_user_id")) == str(user_id):
            keys.append(row.session_key)
    return keys


def _sessions_end(user: AbstractBaseUser, *, keep: str | None = None) -> int:
    """Through the configured session store, so that a cache-backed one (REDIS_URL:
    cached_db) forgets them too instead of serving them on from the cache."""
    keys = [key for key in _sessions_of(user.pk) if key != keep]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def user_sessions_end(*, user: User, acting_user: User, request: HttpRequest | None = None) -> int:
    """A security admin ends every session of a user (e.g. a lost laptop); returns how many."""
    if not (
        acting_user.is_active
        and (acting_user.role == User.Role.SECURITY_ADMIN or acting_user.is_superuser)
    ):
        raise PermissionDenied
    with transaction.atomic():
        count = _sessions_end(user)
        audit_record(
            event="user_sessions_ended",
            actor=acting_user,
            request=request,
            object_type="user",
            object_id=user.pk,
            username=user.username,
            count=count,
        )
    return count


def password_change(*, user: User, password: str, request: HttpRequest) -> int:
    """Set a new password, keep this session and end every other one of the user.

    The caller has checked the old password; the new one passes the profile's rules
    (a ValidationError says which). Returns how many other sessions ended.
    """
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        update_session_auth_hash(request, user)
        request.session.pop(SESSION_PASSWORD_EXPIRED, None)
        ended = _sessions_end(user, keep=request.session.session_key)
        audit_record(
            event="password_changed", actor=user, request=request, other_sessions_ended=ended
        )
    return ended


def password_changed_at(user: User) -> datetime:
    """When the password was last set: the latest change or reset in the audit trail,
    else when the account was made (the trail keeps ≥ 184 days, more than the 90)."""
    latest = (
        AuditEvent.objects.filter(actor_id=user.pk, event__in=PASSWORD_SET_EVENTS)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return max(latest, user.date_joined) if latest else user.date_joined


def password_is_expired(user: User | AnonymousUser) -> bool:
    """Staff must change a password older than 安全策略's maximum age (0: never, asvs)."""
    days = security_policy().password_max_age_days
    if not days or not isinstance(user, User) or user.role not in STAFF_ROLES:
        return False
    return password_changed_at(user) <= timezone.now() - timedelta(days=days)


def dormant_staff_disable(*, now: datetime | None = None) -> list[str]:
    """Disable staff accounts unused for DORMANT_DAYS (last login, else creation).

    Each gets an ``account_disabled_dormant`` event and loses its sessions; an
    administrator can enable it again. Returns the usernames disabled.
    """
    cutoff = (now or timezone.now()) - timedelta(days=DORMANT_DAYS)
    dormant = (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(Q(last_seen__lt=cutoff))
        .order_by("pk")
    )
    disabled = []
    for user in dormant:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_active=False)
            _sessions_end(user)
            audit_record(
                event="account_disabled_dormant",
                object_type="user",
                object_id=user.pk,
                username=user.username,
                role=user.role,
                last_seen=user.last_seen.isoformat(),
                days=DORMANT_DAYS,
            )
        disabled.append(user.username)
    return disabled
