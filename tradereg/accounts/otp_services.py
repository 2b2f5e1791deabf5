"""Second factor (TOTP, RFC 6238) and the login lockout (decision 0016).

Binding, verifying and resetting a device happen here, with their audit events, so the
views only show pages. TOTP secrets and recovery codes are never logged or audited.
"""

import base64
from datetime import datetime

import segno
from axes.conf import settings as axes_settings
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.backends import lockout_username
from tradereg.accounts.models import User
from tradereg.accounts.policy import security_policy
from tradereg.audit.services import audit_record, client_ip

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# The permission (data/role_permissions.json) that lets a 安全管理员 reset a device.
RESET_PERMISSION = "otp_totp.delete_totpdevice"


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if bound."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_required(user: User) -> bool:
    """Staff always; an enterprise once it has bound an authenticator itself."""
    if not user.is_authenticated:
        return False
    if user.role != User.Role.ENTERPRISE:
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def binding_device(user: User) -> TOTPDevice:
    """The device being bound: one unconfirmed device per user, kept until confirmed so
    that reloading the page shows the same key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def key_text(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it by hand: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def key_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing stored)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def _failure_counted(*, user: User, request: HttpRequest) -> None:
    """A wrong code counts as a failed login for the lockout, like a wrong password."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )


def _recovery_codes_issue(user: User) -> list[str]:
    """Ten fresh one-time codes replace any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if not code.isdigit() and code not in codes:  # digits alone read as a TOTP code
            codes.append(code)
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(code)) for code in codes
    )
    return codes


def recovery_code_digest(code: str) -> str:
    """What is stored of a recovery code: a keyed hash, so a copy of the database (or a
    look at the admin's tables) gives no code that logs in. 16 characters of base32 fit
    django-otp's token column and carry 80 bits."""
    digest = salted_hmac("tradereg.accounts.recovery-code", code, algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:16].lower()


def normalise_code(token: str) -> str:
    """Codes are typed with spaces or hyphens, in any case."""
    return "".join(token.split()).replace("-", "").lower()


def totp_bind(*, user: User, token: str, request: HttpRequest) -> list[str] | None:
    """Confirm the device being bound with a first code; returns the recovery codes.

    On success the session counts as verified and every other device of the user is
    replaced; on failure the attempt counts towards the lockout.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=binding_device(user).pk)
        if not device.verify_token(normalise_code(token)):
            audit_record(event="otp_failed", actor=user, request=request, stage="bind")
            verified = False
        else:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_issue(user)
            audit_record(event="otp_bound", actor=user, request=request)
            verified = True
    if not verified:
        _failure_counted(user=user, request=request)
        return None
    otp_login(request, device)
    login_completed(user=user, request=request)
    return codes


def second_factor_verify(*, user: User, token: str, request: HttpRequest) -> bool:
    """Check 动态验证码 (or one recovery code) after the password.

    A TOTP code is accepted once (django-otp keeps the last step used); a recovery code
    is deleted when used. A failure counts towards the lockout.
    """
    code = normalise_code(token)
    is_totp_code = len(code) in (6, 8) and code.isdigit()
    device = None
    with transaction.atomic():
        if is_totp_code:
            totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if totp is not None and totp.verify_token(code):
                device = totp
        else:
            recovery = (
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            if recovery is not None and recovery.verify_token(recovery_code_digest(code)):
                device = recovery
                audit_record(
                    event="recovery_code_used",
                    actor=user,
                    request=request,
                    remaining=recovery.token_set.count(),
                )
        if device is None:
            audit_record(event="otp_failed", actor=user, request=request, stage="verify")
        else:
            audit_record(event="otp_verified", actor=user, request=request)
    if device is None:
        _failure_counted(user=user, request=request)
        return False
    otp_login(request, device)
    login_completed(user=user, request=request)
    return True


def second_factor_reset(*, user: User, acting_user: User, request: HttpRequest | None) -> None:
    """A 安全管理员 removes a user's authenticator and recovery codes; the user binds a
    new one at the next login (a verified session of theirs stops counting at once)."""
    if not acting_user.has_perm(RESET_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            event="otp_device_reset",
            actor=acting_user,
            request=request,
            object_type="user",
            object_id=user.pk,
            username=user.get_username(),
        )


def second_factor_disable(*, user: User, request: HttpRequest) -> None:
    """An enterprise turns its own second factor off; staff cannot."""
    if user.role != User.Role.ENTERPRISE:
        raise PermissionDenied
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(event="otp_disabled", actor=user, request=request)


def login_completed(*, user: User, request: HttpRequest) -> None:
    """The whole login succeeded: clear this account's failed attempts (only its own, so
    a sprayer logging into one account of theirs does not clear the address's count)."""
    AxesProxyHandler.reset_attempts(username=lockout_username(request, {"username": user.username}))


def lockout_recorded(sender, request=None, username=None, **kwargs) -> None:
    """Receiver of axes' ``user_locked_out``: one audit event per locking or refused try."""
    audit_record(event="user_locked_out", request=request, username=(username or "")[:50])


# Connected here: admin autodiscovery imports this module in every process.
user_locked_out.connect(lockout_recorded, dispatch_uid="tradereg.accounts.user_locked_out")


def lockout_clear(
    *, attempts: QuerySet[AccessAttempt], acting_user: User, request: HttpRequest | None
) -> int:
    """解除锁定: a 安全管理员 clears failed attempts at once; each account or address
    unlocked is an audit event (axes itself would delete them silently)."""
    with transaction.atomic():
        cleared = list(attempts.select_for_update())
        for attempt in cleared:
            audit_record(
                event="user_unlocked",
                actor=acting_user,
                request=request,
                object_type="account",
                object_id=(attempt.username or "")[:64],
                username=(attempt.username or "")[:50],
                ip_address=attempt.ip_address or "",
                failures=attempt.failures_since_start,
            )
        AccessAttempt.objects.filter(pk__in=[a.pk for a in cleared]).delete()
    return len(cleared)


def lock_ends_at(*, username: str | None, ip_address: str | None) -> datetime | None:
    """When the lock on this account or this address ends (the later one), if locked,
    under the limit and the lock time of 安全策略 in force now."""
    policy = security_policy()
    cool_off = policy.lockout_cool_off
    since = timezone.now() - cool_off
    ends = []
    for key, value in (("username", username), ("ip_address", ip_address)):
        if not value or key not in axes_settings.AXES_LOCKOUT_PARAMETERS:
            continue
        found = AccessAttempt.objects.filter(**{key: value}, attempt_time__gte=since).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if (found["failures"] or 0) >= policy.lockout_failures and found["last"]:
            ends.append(found["last"] + cool_off)
    return max(ends) if ends else None


def lock_ends_for(request: HttpRequest, credentials: dict | None) -> datetime | None:
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    return lock_ends_at(username=lockout_username(request, credentials), ip_address=ip_address)
