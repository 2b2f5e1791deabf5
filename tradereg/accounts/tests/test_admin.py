"""National admins create, assign and deactivate officers in /admin/, without the shell."""

import pytest
from django.test import Client

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.authorities.models import Authority

pytestmark = pytest.mark.django_db

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"


@pytest.fixture
def admin_client():
    admin = staff_user_create(
        username="ministry", password="Admin#2026x", role=User.Role.SYSTEM_ADMIN
    )
    client = Client()
    login_verified(client, admin)
    return client


def test_admin_creates_an_officer_with_an_authority(admin_client):
    shenzhen = Authority.objects.get(code="440300")
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "sz-officer",
            "email": "sz@example.gov.cn",
            "role": User.Role.OFFICER,
            "authority": shenzhen.pk,
            "password1": "Kx7#mPq2Lw9z",
            "password2": "Kx7#mPq2Lw9z",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    officer = User.objects.get(username="sz-officer")
    assert officer.role == User.Role.OFFICER
    assert officer.authority == shenzhen


def test_an_officer_without_authority_is_refused_by_the_database(admin_client):
    admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "nowhere",
            "role": User.Role.OFFICER,
            "password1": "Kx7#mPq2Lw9z",
            "password2": "Kx7#mPq2Lw9z",
            "usable_password": "true",
        },
    )
    assert not User.objects.filter(username="nowhere").exists()


def test_deactivated_officer_cannot_log_in(admin_client):
    officer = staff_user_create(
        username="leaving",
        password="Kx7#mPq2Lw9z",
        role=User.Role.OFFICER,
        authority=Authority.objects.get(code="110000"),
    )
    officer.is_active = False
    officer.save()
    response = Client().post(
        "/accounts/login/", {"username": "leaving", "password": "Kx7#mPq2Lw9z"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session
