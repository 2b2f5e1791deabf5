"""Deployment checks of our own, run by `manage.py check --deploy --database default`."""

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, register

from tradereg.core.demo_accounts import DEMO_ACCOUNTS, DEMO_ENTERPRISE, DEMO_PASSWORD


@register(Tags.security, deploy=True)
def demo_accounts_absent(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """Production refuses to run while an account still opens with the published demo
    password (README lists it)."""
    if not settings.PRODUCTION or not databases:
        return []
    names = [name for name, *_rest in DEMO_ACCOUNTS] + [DEMO_ENTERPRISE]
    users = apps.get_model("accounts", "User").objects.filter(username__in=names, is_active=True)
    open_ones = [user.username for user in users if check_password(DEMO_PASSWORD, user.password)]
    if not open_ones:
        return []
    return [
        Error(
            f"demo accounts with the demo password exist: {', '.join(sorted(open_ones))}",
            hint="Delete or deactivate them before TRADEREG_ENV=production starts.",
            id="tradereg.E001",
        )
    ]
