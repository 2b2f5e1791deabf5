"""ASVS V6 (authentication), 等保 身份鉴别: a TOTP code works once, within one step of
the server's clock either side (RFC 6238, 30 s)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp

from tradereg.accounts.tests.totp import totp_code

from .conftest import VERIFY, password_login

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, 10, tzinfo=UTC)


def verify(client: Client, code: str):
    return client.post(VERIFY, {"token": code, "next": "/office/"})


def test_our_codes_are_rfc_6238_as_django_otp_computes_them(officer, officer_key):
    device = officer.totpdevice_set.get()
    with time_machine.travel(NOW, tick=False):
        assert totp_code(officer_key) == f"{totp(device.bin_key):06d}"
    # The RFC 6238 test vector (SHA-1, 8 digits, T = 59 s): 94287082.
    rfc_key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890"
    assert totp_code(rfc_key, at=59, digits=8) == "94287082"


def test_a_used_code_is_refused_a_second_time(client, officer, officer_key):
    with time_machine.travel(NOW, tick=False):
        code = totp_code(officer_key)
        assert password_login(client, "sz-guard")["Location"].startswith(VERIFY)
        answer = verify(client, code)
        assert answer.status_code == 302
        assert answer["Location"] == "/office/"
        assert client.get("/office/").status_code == 200

        again = Client()
        password_login(again, "sz-guard")
        replay = verify(again, code)
        assert replay.status_code == 200
        assert "动态验证码不正确或已使用过" in replay.content.decode()
        assert again.get("/office/")["Location"].startswith(VERIFY)


def test_one_step_either_side_is_accepted_two_are_not(client, officer, officer_key):
    with time_machine.travel(NOW, tick=False):
        password_login(client, "sz-guard")
        for steps in (-2, 2):
            answer = verify(client, totp_code(officer_key, steps=steps))
            assert answer.status_code == 200, steps
        assert verify(client, totp_code(officer_key, steps=-1)).status_code == 302

        later = Client()
        password_login(later, "sz-guard")
        assert verify(later, totp_code(officer_key, steps=1)).status_code == 302


def test_codes_are_checked_against_the_clock_not_a_learned_drift(client, officer, officer_key):
    """After a code one step ahead, the window does not move with it."""
    with time_machine.travel(NOW, tick=False):
        password_login(client, "sz-guard")
        assert verify(client, totp_code(officer_key, steps=1)).status_code == 302
        later = Client()
        password_login(later, "sz-guard")
        assert verify(later, totp_code(officer_key, steps=2)).status_code == 200
