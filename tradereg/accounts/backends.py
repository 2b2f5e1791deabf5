from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username (any case) or the account's e-mail address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user_model = get_user_model()
        login = username.strip()
        candidates = list(
            user_model.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))[:2]
        )
        if len(candidates) != 1:
            # Unknown, or an e-mail shared by two accounts: run the hasher anyway so the
            # response time does not tell which usernames exist.
            user_model().set_password(password)
            return None
        user = candidates[0]
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
