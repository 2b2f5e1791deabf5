from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest


def account_for_login(login: str):
    """The one account a typed login names (username in any case, or e-mail), or None."""
    login = (login or "").strip()
    if not login:
        return None
    candidates = list(
        get_user_model().objects.filter(Q(username__iexact=login) | Q(email__iexact=login))[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


def lockout_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the key failures are counted under.

    Every alias of an account (any letter case, its e-mail address) maps to the account's
    own username, so switching alias does not restart the count; unknown names count as
    typed, lower-cased.
    """
    typed = ""
    if credentials:
        typed = credentials.get("username") or ""
    elif request is not None:
        typed = request.POST.get("username", "")
    user = account_for_login(typed)
    if user is not None:
        return user.get_username().lower()
    return typed.strip().lower()[:150]


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username (any case) or the account's e-mail address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = account_for_login(username)
        if user is None:
            # Unknown, or an e-mail shared by two accounts: run the hasher anyway so the
            # response time does not tell which usernames exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        """Inactive accounts and expired break-glass accounts cannot log in."""
        return super().user_can_authenticate(user) and not getattr(user, "is_expired", False)

    def get_user(self, user_id):
        user = super().get_user(user_id)
        # A session outliving the break-glass window ends with it.
        return user if user is not None and not user.is_expired else None
