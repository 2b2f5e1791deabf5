"""安全策略 (decision 0020): the password profile, lockout and session limits in force.

The settings (from the environment) are the initial policy; once a 安全管理员 saves the
安全策略 page, its one row is. Every reader (password validators, the session middleware,
the password's age, django-axes, the locked page) asks ``security_policy()``, which keeps
what it read for ``CACHE_SECONDS`` per process: a change applies at once in the process
that made it and within seconds in every other one, for one primary-key read per process
every few seconds.
"""

import time
from dataclasses import asdict, dataclass, fields
from datetime import timedelta

from django.conf import settings
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from tradereg.accounts.models import MAX_HOURS, SecurityPolicy, User
from tradereg.audit.services import audit_record

CACHE_SECONDS = 5.0
CHANGE_PERMISSION = "accounts.change_securitypolicy"


@dataclass(frozen=True)
class Policy:
    """What is in force; the field names are SecurityPolicy's."""

    password_profile: str
    password_max_age_days: int
    lockout_failures: int
    lockout_minutes: int
    session_idle_minutes: int
    session_max_hours: int

    @property
    def lockout_cool_off(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)

    @property
    def idle_limit(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def absolute_limit(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)


FIELDS = tuple(f.name for f in fields(Policy))
# (read at, policy) of this process; replaced whole, so threads never see half of one.
_cache: dict[str, tuple[float, Policy]] = {}


def initial_policy() -> Policy:
    """The policy from the settings, in force while no 安全管理员 has saved one."""
    return Policy(
        password_profile=settings.PASSWORD_POLICY,
        password_max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
        lockout_failures=settings.LOCKOUT_FAILURES,
        lockout_minutes=settings.LOCKOUT_MINUTES,
        session_idle_minutes=settings.SESSION_IDLE_MINUTES,
        session_max_hours=settings.SESSION_MAX_HOURS,
    )


def _stored() -> Policy | None:
    row = SecurityPolicy.objects.filter(pk=SecurityPolicy.SINGLETON).values(*FIELDS).first()
    return Policy(**row) if row else None


def security_policy() -> Policy:
    """The policy in force, at most CACHE_SECONDS old in this process."""
    now = time.monotonic()
    cached = _cache.get("policy")
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    policy = _stored() or initial_policy()
    _cache["policy"] = (now, policy)
    return policy


def security_policy_forget(**kwargs: object) -> None:
    """Drop this process's copy: after a change, and when a test overrides a setting."""
    _cache.clear()


setting_changed.connect(security_policy_forget, dispatch_uid="tradereg.accounts.policy")


def security_policy_row() -> SecurityPolicy:
    """The row for the 安全策略 page: the stored one, else an unsaved one holding the
    initial policy (a look at the page stores nothing)."""
    row = SecurityPolicy.objects.filter(pk=SecurityPolicy.SINGLETON).first()
    return row or SecurityPolicy(pk=SecurityPolicy.SINGLETON, **asdict(initial_policy()))


def security_policy_change(
    *, acting_user: User, request: HttpRequest | None = None, **values: object
) -> SecurityPolicy:
    """A 安全管理员 sets the policy; records ``security_policy_changed`` with each
    changed value as [old, new]. The first save stores the row (the initial policy stops
    counting). Raises ValidationError for a value out of its bounds."""
    if not acting_user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"not a security policy field: {sorted(unknown)}")
    try:
        row = _change(acting_user=acting_user, request=request, values=values)
    except IntegrityError:
        # Two first saves at once: the other one stored the row; change that one.
        row = _change(acting_user=acting_user, request=request, values=values)
    security_policy_forget()
    return row


def _change(
    *, acting_user: User, request: HttpRequest | None, values: dict[str, object]
) -> SecurityPolicy:
    with transaction.atomic():
        row = SecurityPolicy.objects.select_for_update().filter(pk=SecurityPolicy.SINGLETON)
        stored = row.first()
        old = Policy(**{name: getattr(stored, name) for name in FIELDS}) if stored else None
        before = old or initial_policy()
        policy = stored or SecurityPolicy(pk=SecurityPolicy.SINGLETON, **asdict(before))
        for name, value in values.items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save(force_insert=stored is None)
        audit_record(
            event="security_policy_changed",
            actor=acting_user,
            request=request,
            object_type="security_policy",
            object_id=policy.pk,
            changes={
                name: [getattr(before, name), getattr(policy, name)]
                for name in FIELDS
                if getattr(before, name) != getattr(policy, name)
            },
            first_saved=stored is None,
        )
        # Other threads of this process may have read the old row meanwhile.
        transaction.on_commit(security_policy_forget)
    return policy


# --- django-axes reads the lockout through these (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME)


def lockout_failure_limit(request: HttpRequest | None, credentials: dict | None) -> int:
    return security_policy().lockout_failures


def lockout_cool_off(request: HttpRequest | None = None) -> timedelta:
    return security_policy().lockout_cool_off


@checks.register(checks.Tags.security)
def initial_policy_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """The initial values meet the same bounds as the 安全策略 page, and the session
    cookie outlives the longest session the page allows."""
    errors: list[checks.CheckMessage] = []
    candidate = SecurityPolicy(pk=SecurityPolicy.SINGLETON, **asdict(initial_policy()))
    try:
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.append(
                checks.Error(
                    f"The initial security policy's {name} is out of bounds: " + " ".join(messages),
                    hint="See docs/configuration.md (PASSWORD_POLICY, PASSWORD_MAX_AGE_DAYS, "
                    "AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES, SESSION_IDLE_MINUTES, "
                    "SESSION_MAX_HOURS).",
                    id="accounts.E101",
                )
            )
    longest_session = MAX_HOURS[1] * 3600
    if longest_session > settings.SESSION_COOKIE_AGE:
        errors.append(
            checks.Error(
                "SESSION_COOKIE_AGE is shorter than the longest session 安全策略 allows.",
                id="accounts.E102",
            )
        )
    return errors
