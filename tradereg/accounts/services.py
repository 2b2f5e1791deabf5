"""Account changes: registration, password reset. Passwords are never logged or mailed."""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
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
        is_staff=role == User.Role.NATIONAL_ADMIN,
        is_superuser=role == User.Role.NATIONAL_ADMIN,
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
