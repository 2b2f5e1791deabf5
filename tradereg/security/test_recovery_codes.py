"""ASVS V6 (recovery codes): ten one-time codes shown once at binding, stored hashed; each
logs in once."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken

from tradereg.accounts.tests.otp import bind_through_pages
from tradereg.accounts.tests.totp import totp_code
from tradereg.audit.models import AuditEvent

from .conftest import BIND, VERIFY, password_login

pytestmark = pytest.mark.django_db


def test_a_recovery_code_works_once(officer):
    client = Client()
    password_login(client, "sz-guard")
    page = client.get(BIND).content.decode()
    key = re.search(r'id="otp-key">([A-Z2-7 ]+)<', page).group(1)
    shown = client.post(BIND, {"token": totp_code(key)}).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)
    assert len(codes) == 10
    # Stored as keyed hashes only: the table gives no code that logs in.
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes)
    assert all(len(token) == 16 for token in stored)
    client.post("/accounts/logout/")

    first = Client()
    password_login(first, "sz-guard")
    typed = f"{codes[3][:4].upper()}-{codes[3][4:]}"  # as someone copies it from paper
    answer = first.post(VERIFY, {"token": typed, "next": "/office/"})
    assert answer["Location"] == "/office/"
    used = AuditEvent.objects.get(event="recovery_code_used")
    assert used.data["remaining"] == 9
    assert codes[3] not in str(used.data)

    second = Client()
    password_login(second, "sz-guard")
    again = second.post(VERIFY, {"token": codes[3]})
    assert again.status_code == 200
    assert second.get("/office/")["Location"].startswith(VERIFY)
    assert second.post(VERIFY, {"token": codes[4]}).status_code == 302


def test_binding_again_replaces_the_old_codes(officer):
    client = Client()
    password_login(client, "sz-guard")
    bind_through_pages(client)
    assert officer.staticdevice_set.get().token_set.count() == 10
