"""Account changes: registration, password reset. Passwords are never logged or mailed."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tradereg.accounts.models import ADMIN_SITE_ROLES, User
from tradereg.audit.services import audit_record
from tradereg.authorities.models import Authority
from tradereg.notifications.services import email_enqueue


def enterprise_user_create(
    *, username: str, email: str, password: str, request: HttpRequest | None = None
) -> User:
    """Register an enterprise account; the username is unique whatever its case."""
    taken = ValidationError({"username": _("该用户名已被使用，请换一个。")})
    if User.objects.filter(username__iexact=username).exists():
        raise taken
    user = User(username=username, email=email, role=User.Role.ENTERPRISE)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise taken from exc
    audit_record(event="user_registered", actor=user, request=request, username=username)
    return user


def password_reset_request(*, username: str, email: str, request: HttpRequest) -> bool:
    """E-mail a one-time reset link when username and e-mail belong to one active account.

    The caller answers the same whatever the result, so nobody learns which pairs exist.
    The link stops working once the password has changed (Django's token).
    """
    user = User.objects.filter(
        username__iexact=username.strip(), email__iexact=email.strip(), is_active=True
    ).first()
    with transaction.atomic():
        audit_record(
            event="password_reset_requested",
            actor=user,
            request=request,
            username=username[:50],
            matched=user is not None,
        )
        if user is None:
            return False
        email_enqueue(
            to=user.email,
            template="accounts/emails/password_reset",
            context={
                "user": user,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return True


def staff_user_create(
    *,
    username: str,
    password: str,
    role: str,
    authority: Authority | None = None,
    email: str = "",
    acting_user: User | None = None,
) -> User:
    """Create an officer, supervisor or national admin (national admins reach /admin/).

    The password must pass the same rules as everyone's (AUTH_PASSWORD_VALIDATORS);
    a ValidationError says which.
    """
    user = User(
        username=username,
        email=email,
        role=role,
        authority=authority,
        is_staff=role in ADMIN_SITE_ROLES,
        is_superuser=False,
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(event="staff_user_created", actor=acting_user, username=username, role=role)
    return user


def password_reset_send(
    *, user: User, acting_user: User, request: HttpRequest | None = None
) -> None:
    """An officer sends a reset e-mail to an enterprise of their authority."""
    if not (
        acting_user.is_officer
        and acting_user.authority_id is not None
        and user.is_enterprise
        and user.filings.filter(authority_id=acting_user.authority_id).exists()
    ):
        raise PermissionDenied
    with transaction.atomic():
        audit_record(
            event="password_reset_sent", actor=acting_user, request=request, username=user.username
        )
        email_enqueue(
            to=user.email,
            template="accounts/emails/password_reset",
            language=settings.LANGUAGE_CODE,
            context={
                "user": user,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )


def login_succeeded(*, user: User, request: HttpRequest) -> None:
    """Record a login (the session itself is Django's)."""
    audit_record(event="user_logged_in", actor=user, request=request)


def login_failed(*, username: str, request: HttpRequest) -> None:
    """Record a failed login with the name as typed (cut short), never the password."""
    audit_record(event="user_login_failed", request=request, username=username[:50])


def logout_recorded(*, user: User, request: HttpRequest) -> None:
    if user.is_authenticated:
        audit_record(event="user_logged_out", actor=user, request=request)


def password_reset_completed(*, user: User, request: HttpRequest) -> None:
    audit_record(event="password_reset_completed", actor=user, request=request)


BREAK_GLASS_MAX_HOURS = 8


def break_glass_create(
    *, username: str, password: str, hours: int, reason: str, operator: str
) -> User:
    """An emergency superuser, from the command line only, that expires by itself.

    Every such account is audited with who ran the command and why; it cannot outlive
    ``BREAK_GLASS_MAX_HOURS`` and its sessions end when it expires.
    """
    if not 1 <= hours <= BREAK_GLASS_MAX_HOURS:
        raise ValidationError(
            _("应急账户有效期应为 1 至 %(max)d 小时。") % {"max": BREAK_GLASS_MAX_HOURS}
        )
    if not reason.strip():
        raise ValidationError(_("请说明启用应急账户的原因。"))
    expires_at = timezone.now() + timedelta(hours=hours)
    user = User(
        username=username,
        role=User.Role.SYSTEM_ADMIN,
        is_staff=True,
        is_superuser=True,
        expires_at=expires_at,
    )
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(
            event="break_glass_created",
            actor=user,
            username=username,
            hours=hours,
            reason=reason.strip()[:500],
            operator=operator[:100],
            expires_at=expires_at.isoformat(),
        )
    return user
