"""Passwords are stored as Argon2id hashes (ASVS 5.0 V11.4, password storage; 等保
数据保密性: 鉴别数据在存储过程中的保密性). The other tests hash with MD5 for speed; here
the project's own setting is put back, as the server runs it."""

import importlib

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password

from tradereg.accounts.models import User
from tradereg.accounts.services import enterprise_user_create

pytestmark = pytest.mark.django_db

PASSWORD = "Kx7#mPq2Lw9z"
CONFIGURED = importlib.import_module("tradereg.settings").PASSWORD_HASHERS


def test_the_configured_hasher_is_argon2():
    assert CONFIGURED[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_registered_password_is_stored_as_argon2id_and_never_in_clear(settings):
    settings.PASSWORD_HASHERS = CONFIGURED
    user = enterprise_user_create(username="argon", email="argon@example.cn", password=PASSWORD)
    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert identify_hasher(stored).algorithm == "argon2"
    assert PASSWORD not in stored
    assert user.check_password(PASSWORD)


def test_an_older_hash_is_upgraded_to_argon2_at_the_next_login(settings, client):
    """An account imported or created with a weaker hasher ends up as Argon2 once its
    owner logs in (Django rehashes on a successful check)."""
    settings.PASSWORD_HASHERS = [*CONFIGURED, "django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create(
        username="legacy-hash",
        email="legacy@example.cn",
        password=make_password(PASSWORD, hasher="md5"),
    )
    assert user.password.startswith("md5$")
    response = client.post("/accounts/login/", {"username": "legacy-hash", "password": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$")
