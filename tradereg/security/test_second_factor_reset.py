"""等保 安全管理员: a 安全管理员 resets a staff user's authenticator (audited); the user
binds a new one at the next login. Nobody else can, and no admin page shows a key."""

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import User
from tradereg.accounts.tests.otp import login_verified
from tradereg.accounts.tests.totp import totp_code
from tradereg.audit.models import AuditEvent

from .conftest import BIND, VERIFY, password_login

pytestmark = pytest.mark.django_db

DEVICES = "/admin/otp_totp/totpdevice/"


def test_security_admin_resets_and_the_user_binds_again(staff_of_each_role, officer, officer_key):
    security = staff_of_each_role[User.Role.SECURITY_ADMIN]
    officer_session = Client()
    password_login(officer_session, "sz-guard")
    officer_session.post(VERIFY, {"token": totp_code(officer_key)})
    assert officer_session.get("/office/").status_code == 200

    admin = Client()
    login_verified(admin, security)
    listing = admin.get(DEVICES)
    assert listing.status_code == 200
    assert "sz-guard" in listing.content.decode()
    device = TOTPDevice.objects.get(user=officer)
    assert device.key not in listing.content.decode()
    answer = admin.post(
        DEVICES, {"action": "reset_devices", "_selected_action": [device.pk]}, follow=True
    )
    assert "已重置 1 个用户的身份验证器" in answer.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(event="otp_device_reset")
    assert (event.actor_id, event.data["username"]) == (security.pk, "sz-guard")

    # The open session no longer counts as verified, and the next login binds anew.
    assert officer_session.get("/office/")["Location"].startswith(BIND)
    assert password_login(Client(), "sz-guard")["Location"].startswith(BIND)


def test_nobody_else_can_reset_or_read_devices(staff_of_each_role, officer, officer_key):
    for role in (User.Role.SYSTEM_ADMIN, User.Role.AUDITOR, "officer"):
        client = Client()
        login_verified(client, staff_of_each_role[role])
        assert client.get(DEVICES).status_code in (302, 403, 404), role
        client.post(DEVICES, {"action": "reset_devices", "_selected_action": [1]})
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert not AuditEvent.objects.filter(event="otp_device_reset").exists()


def test_no_admin_page_edits_devices_or_shows_recovery_codes(staff_of_each_role, officer_key):
    client = Client()
    login_verified(client, staff_of_each_role[User.Role.SECURITY_ADMIN])
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert client.get(f"{DEVICES}add/").status_code == 403
