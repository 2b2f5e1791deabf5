"""Account changes: registration, password reset. Passwords are never logged or mailed."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
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


CLAIM_VALID_DAYS = 7


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_claim_invite(
    *, filing, email: str, acting_user: User, request: HttpRequest | None = None
):
    """开通用户: e-mail a one-time link to the address the officer confirmed.

    Only for a legacy filing without an owner, by an officer of its authority. The officer
    never sees or sets a password; the enterprise chooses both username and password.
    Earlier unused links for the filing stop working.
    """
    from tradereg.accounts.models import AccountClaim
    from tradereg.filings.models import Filing

    with transaction.atomic():
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if not (acting_user.is_officer and acting_user.authority_id == filing.authority_id):
            raise PermissionDenied
        if filing.owner_id is not None:
            raise ValidationError({"email": _("该备案已有用户，无需开通。")})
        now = timezone.now()
        AccountClaim.objects.filter(filing=filing, used_at__isnull=True).update(expires_at=now)
        token = secrets.token_urlsafe(32)
        claim = AccountClaim.objects.create(
            filing=filing,
            email=email,
            token_hash=_token_hash(token),
            created_by=acting_user,
            expires_at=now + timedelta(days=CLAIM_VALID_DAYS),
        )
        audit_record(
            event="account_claim_sent",
            actor=acting_user,
            filing=filing,
            request=request,
            email=email,
        )
        email_enqueue(
            to=email,
            template="accounts/emails/account_claim",
            context={
                "filing": filing,
                "revision": filing.current_revision,
                "token": token,
                "days": CLAIM_VALID_DAYS,
            },
        )
    return claim


def account_claim_find(*, token: str):
    """The open claim for a token, or None if unknown, used or expired."""
    from tradereg.accounts.models import AccountClaim

    return (
        AccountClaim.objects.select_related("filing")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def account_claim_complete(
    *, token: str, username: str, password: str, request: HttpRequest | None = None
) -> User:
    """Create the enterprise account from a claim link and make it the filing's owner."""
    from tradereg.accounts.models import AccountClaim
    from tradereg.filings.models import Filing

    with transaction.atomic():
        claim = account_claim_find(token=token)
        if claim is None:
            raise ValidationError(_("开通链接无效或已过期，请联系备案登记机关重新发送。"))
        claim = AccountClaim.objects.select_for_update().get(pk=claim.pk)
        filing = Filing.objects.select_for_update().get(pk=claim.filing_id)
        if claim.used_at is not None or filing.owner_id is not None:
            raise ValidationError(_("该备案已开通用户，请直接登录。"))
        user = enterprise_user_create(
            username=username, email=claim.email, password=password, request=request
        )
        filing.owner = user
        filing.save(update_fields=["owner", "updated_at"])
        claim.used_at = timezone.now()
        claim.user = user
        claim.save(update_fields=["used_at", "user"])
        audit_record(event="account_claimed", actor=user, filing=filing, request=request)
    return user


def password_reset_send(
    *, user: User, acting_user: User, request: HttpRequest | None = None
) -> None:
    """An officer sends a reset e-mail to an enterprise of their authority."""
    if not (
        acting_user.is_officer
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
