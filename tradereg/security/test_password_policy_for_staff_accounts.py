"""A staff password passes the same rules as everyone's, however the account is made.

Staff accounts reach every filing of an authority; a weak password there is worse than
anywhere. ``staff_user_create`` (demo data, scripts) and the admin's add and
change-password forms all run AUTH_PASSWORD_VALIDATORS.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.authorities.models import Authority
from tradereg.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = pytest.mark.usefixtures("reference_data")

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
GOOD = "Kx7#mPq2Lw9z"
WEAK = [
    "Ab1#",  # too short
    "password1",  # common, and only two kinds of character
    "abcdefgh12",  # two kinds: lower case and digits
    "Officer-bj2026",  # too like the username
]


def beijing() -> Authority:
    return Authority.objects.get(code="110000")


@pytest.mark.parametrize("password", WEAK)
def test_a_weak_staff_password_is_refused_and_creates_no_user(password):
    with pytest.raises(ValidationError):
        staff_user_create(
            username="officer-bj2026",
            password=password,
            role=User.Role.OFFICER,
            authority=beijing(),
        )
    assert not User.objects.filter(username="officer-bj2026").exists()
    assert not AuditEvent.objects.filter(event="staff_user_created").exists()


def test_a_good_staff_password_creates_the_officer():
    officer = staff_user_create(
        username="officer-bj2026", password=GOOD, role=User.Role.OFFICER, authority=beijing()
    )
    assert officer.check_password(GOOD)
    assert officer.role == User.Role.OFFICER
    assert AuditEvent.objects.filter(event="staff_user_created").count() == 1


def test_the_demo_accounts_pass_the_rules():
    """The demo data creates these accounts with this password through the same service."""
    for username, role, code, _label in DEMO_ACCOUNTS:
        authority = Authority.objects.get(code=code) if code else None
        user = staff_user_create(
            username=username, password=DEMO_PASSWORD, role=role, authority=authority
        )
        assert user.check_password(DEMO_PASSWORD)


@pytest.fixture
def admin_client() -> Client:
    admin = staff_user_create(username="ministry", password=GOOD, role=User.Role.SYSTEM_ADMIN)
    client = Client()
    login_verified(client, admin)
    return client


def admin_add(client: Client, password: str):
    return client.post(
        "/admin/accounts/user/add/",
        {
            "username": "bj-officer",
            "role": User.Role.OFFICER,
            "authority": beijing().pk,
            "password1": password,
            "password2": password,
            "usable_password": "true",
        },
    )


@pytest.mark.parametrize("password", ["abcdefgh12", "password1", "Ab1#"])
def test_the_admin_refuses_a_weak_password_for_a_new_officer(admin_client, password):
    response = admin_add(admin_client, password)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["password2"]
    assert not User.objects.filter(username="bj-officer").exists()


def test_the_admin_creates_an_officer_with_a_good_password(admin_client):
    assert admin_add(admin_client, GOOD).status_code == 302
    assert User.objects.get(username="bj-officer").check_password(GOOD)


def test_the_admin_refuses_a_weak_password_when_changing_one(admin_client):
    officer = staff_user_create(
        username="bj-officer", password=GOOD, role=User.Role.OFFICER, authority=beijing()
    )
    response = admin_client.post(
        f"/admin/accounts/user/{officer.pk}/password/",
        {"password1": "abcdefgh12", "password2": "abcdefgh12", "usable_password": "true"},
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(GOOD)
