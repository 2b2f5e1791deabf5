"""Accounts with a bound authenticator, and logging in through the real pages."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.totp import hex_to_b32
from tradereg.filings.tests.factories import PASSWORD, make_officer

LOGIN = "/accounts/login/"
VERIFY = "/accounts/2fa/verify/"
BIND = "/accounts/2fa/bind/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """django-otp also slows retries after a wrong code; here each try is judged on its
    code alone (the lockout, tested on its own, is what stops guessing)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def bound(user: User) -> str:
    """Give ``user`` a confirmed authenticator; returns its key as the app shows it."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return hex_to_b32(device.key)


@pytest.fixture
def officer(reference_data) -> User:
    return make_officer(username="sz-guard", code="110000")


@pytest.fixture
def officer_key(officer) -> str:
    return bound(officer)


@pytest.fixture
def staff_of_each_role(reference_data) -> dict[str, User]:
    users = {"officer": make_officer(username="role-officer")}
    for role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN, User.Role.AUDITOR):
        users[role] = staff_user_create(username=f"role-{role}", password=PASSWORD, role=role)
    return users
