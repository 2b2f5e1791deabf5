"""Logging a test client in as someone who passed the second factor too."""

import re

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.otp_services import second_factor_required
from tradereg.accounts.tests.totp import totp_code

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"


def login_verified(client: Client, user, backend: str | None = BACKEND) -> None:
    """``client.force_login`` plus, for a user that needs one (staff, or an enterprise that
    turned it on), a confirmed authenticator and a session marked verified by it — what
    django_otp.login does after a right 动态验证码."""
    client.force_login(user, backend=backend)
    if not second_factor_required(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


KEY_ON_PAGE = re.compile(r'id="otp-key">([A-Z2-7 ]+)<')


def bind_through_pages(client: Client, next_url: str = "") -> str:
    """After the password: read 密钥 from the binding page and confirm it with the current
    动态验证码, as a person with an authenticator app does. Returns the key."""
    page = client.get("/accounts/2fa/bind/", {"next": next_url}).content.decode()
    key = KEY_ON_PAGE.search(page).group(1)
    answer = client.post("/accounts/2fa/bind/", {"token": totp_code(key), "next": next_url})
    assert answer.status_code == 200
    assert "恢复码" in answer.content.decode()
    return key
