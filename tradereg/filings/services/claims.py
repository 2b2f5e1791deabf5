"""开通用户: binding a new enterprise account to a legacy filing that has no owner.

The officer sends a one-time link; the enterprise chooses its own username and password.
Both steps are transitions of the filing (``Action.OPEN_ACCOUNT``, ``Action.BIND_OWNER``),
so the owner is written here, by filings, and accounts knows nothing of filings.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.accounts.models import AccountClaim, User
from tradereg.accounts.services import enterprise_user_create
from tradereg.filings.lifecycle import Action, TransitionNotAllowed
from tradereg.filings.models import Filing
from tradereg.filings.services.transitions import transition_apply

# Like a password reset link: 30 minutes, once (issue 8).
CLAIM_VALID_MINUTES = 30


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_claim_invite(
    *, filing: Filing, email: str, acting_user: User, request: HttpRequest | None = None
) -> AccountClaim:
    """开通用户: e-mail a one-time link to the address the officer confirmed.

    Only for a legacy filing without an owner, by an officer of its authority. The officer
    never sees or sets a password. Earlier unused links for the filing stop working.
    """
    token = secrets.token_urlsafe(32)
    claims: list[AccountClaim] = []

    def write(locked: Filing) -> None:
        now = timezone.now()
        AccountClaim.objects.filter(filing=locked, used_at__isnull=True).update(expires_at=now)
        claims.append(
            AccountClaim.objects.create(
                filing=locked,
                email=email,
                token_hash=_token_hash(token),
                created_by=acting_user,
                expires_at=now + timedelta(minutes=CLAIM_VALID_MINUTES),
            )
        )

    transition_apply(
        action=Action.OPEN_ACCOUNT,
        filing=filing,
        user=acting_user,
        write=write,
        request=request,
        audit_data={"email": email},
        email_to=email,
        email_context={"token": token, "minutes": CLAIM_VALID_MINUTES},
    )
    return claims[0]


def account_claim_find(*, token: str) -> AccountClaim | None:
    """The open claim for a token, or None if unknown, used or expired."""
    return (
        AccountClaim.objects.select_related("filing")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def account_claim_complete(
    *, token: str, username: str, password: str, request: HttpRequest | None = None
) -> User:
    """Create the enterprise account from a claim link and make it the filing's owner."""
    with transaction.atomic():
        claim = account_claim_find(token=token)
        if claim is None:
            raise ValidationError(_("开通链接无效或已过期，请联系备案登记机关重新发送。"))
        claim = AccountClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.used_at is not None:
            raise ValidationError(_("该备案已开通用户，请直接登录。"))
        users: list[User] = []

        def write(locked: Filing) -> None:
            user = enterprise_user_create(
                username=username, email=claim.email, password=password, request=request
            )
            locked.owner = user
            claim.used_at = timezone.now()
            claim.user = user
            claim.save(update_fields=["used_at", "user"])
            users.append(user)

        try:
            transition_apply(
                action=Action.BIND_OWNER,
                filing=claim.filing,
                user=None,
                write=write,
                request=request,
            )
        except TransitionNotAllowed as refused:
            raise ValidationError(str(refused)) from refused
    return users[0]
