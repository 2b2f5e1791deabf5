"""Account changes: registration, password reset. Passwords are never logged or mailed."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
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
    authority=None,
    email: str = "",
    acting_user: User | None = None,
) -> User:
    """Create an officer, supervisor or national admin (national admins reach /admin/)."""
    user = User(
        username=username,
        email=email,
        role=role,
        authority=authority,
        is_staff=role == User.Role.NATIONAL_ADMIN,
        is_superuser=role == User.Role.NATIONAL_ADMIN,
    )
    user.set_password(password)
    user.save()
    audit_record(event="staff_user_created", actor=acting_user, username=username, role=role)
    return user
