"""ASVS V6.3 (MFA offered to every user): an enterprise may turn the second factor on and
off for itself; staff cannot turn it off."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.tests.otp import bind_through_pages, login_verified
from tradereg.accounts.tests.totp import totp_code
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import make_filing

from .conftest import VERIFY, password_login

pytestmark = pytest.mark.django_db


def test_an_enterprise_turns_it_on_and_off(reference_data):
    owner = make_filing(username="careful-co").owner
    client = Client()
    assert password_login(client, "careful-co")["Location"] == "/my/"  # off by default
    assert 'href="/accounts/2fa/"' in client.get("/my/").content.decode()
    assert "未开启" in client.get("/accounts/2fa/").content.decode()
    key = bind_through_pages(client, next_url="/accounts/2fa/")
    assert "已开启" in client.get("/accounts/2fa/").content.decode()
    client.post("/accounts/logout/")

    later = Client()
    assert password_login(later, "careful-co")["Location"].startswith(VERIFY)
    assert later.get("/my/")["Location"].startswith(VERIFY)
    assert later.post(VERIFY, {"token": totp_code(key, steps=1)})["Location"] == "/my/"

    assert later.post("/accounts/2fa/disable/").status_code == 302
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert AuditEvent.objects.filter(event="otp_disabled", actor_id=owner.pk).exists()
    assert password_login(Client(), "careful-co")["Location"] == "/my/"


def test_staff_cannot_turn_it_off(officer):
    client = Client()
    login_verified(client, officer)
    page = client.get("/accounts/2fa/").content.decode()
    assert "不能关闭" in page
    assert "/accounts/2fa/disable/" not in page
    client.post("/accounts/2fa/disable/")
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
