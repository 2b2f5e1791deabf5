"""ASVS V6.3 (multi-factor for privileged users), 等保 双因素鉴别: every staff role binds
an authenticator at first login and reaches nothing but the binding and verification
pages (and logout) until a 动态验证码 is verified."""

import re

import pytest
from django.test import Client

from tradereg.accounts.models import User
from tradereg.accounts.tests.otp import KEY_ON_PAGE
from tradereg.accounts.tests.totp import totp_code
from tradereg.audit.models import AuditEvent

from .conftest import BIND, VERIFY, bound, password_login

pytestmark = pytest.mark.django_db

PROTECTED = ("/office/", "/admin/", "/audit/", "/my/", "/", "/accounts/2fa/")
LANDING = {
    "officer": "/office/",
    User.Role.SYSTEM_ADMIN: "/admin/",
    User.Role.SECURITY_ADMIN: "/admin/",
    User.Role.AUDITOR: "/audit/",
}


@pytest.mark.parametrize("role", list(LANDING))
def test_staff_bind_at_first_login_and_are_kept_out_until_then(staff_of_each_role, role):
    user = staff_of_each_role[role]
    client = Client()
    answer = password_login(client, user.username)
    assert answer["Location"] == f"{BIND}?next={LANDING[role].replace('/', '%2F')}"
    for path in PROTECTED:
        assert client.get(path)["Location"].startswith(BIND), path

    page = client.get(answer["Location"]).content.decode()
    assert re.search(r">密钥<", page)
    assert re.search(r'<label for="id_token"[^>]*>动态验证码</label>', page)
    assert "<svg" in page  # the QR code, inline
    key = KEY_ON_PAGE.search(page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", key)

    wrong = client.post(BIND, {"token": "000000" if totp_code(key) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "动态验证码不正确" in wrong.content.decode()

    done = client.post(BIND, {"token": totp_code(key), "next": LANDING[role]})
    body = done.content.decode()
    assert done.status_code == 200
    assert len(re.findall(r"<li><code>[a-z2-7]{8}</code></li>", body)) == 10
    assert "只显示这一次" in body
    assert f'href="{LANDING[role]}"' in body
    assert key.replace(" ", "") not in body  # the key is not shown back once bound
    assert client.get(BIND)["Location"] == "/accounts/2fa/"

    events = list(AuditEvent.objects.filter(actor_id=user.pk).values_list("event", flat=True))
    assert {"otp_failed", "otp_bound"} <= set(events)
    assert all(key.replace(" ", "") not in str(e.data) for e in AuditEvent.objects.all())


@pytest.mark.parametrize("path", ["/office/", "/admin/", "/audit/"])
def test_bound_staff_must_verify_before_any_page(officer, officer_key, path):
    client = Client()
    assert password_login(client, "sz-guard")["Location"] == f"{VERIFY}?next=%2Foffice%2F"
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"token": totp_code(officer_key)}).status_code == 302
    assert client.get("/office/").status_code == 200
    assert AuditEvent.objects.filter(event="otp_verified", actor_id=officer.pk).exists()


def test_the_admin_site_requires_the_second_factor(staff_of_each_role):
    admin = staff_of_each_role[User.Role.SYSTEM_ADMIN]
    key = bound(admin)
    client = Client()
    # The admin's own password-only login page sends everyone to the one login page.
    assert client.get("/admin/login/?next=/admin/")["Location"] == (
        "/accounts/login/?next=%2Fadmin%2F"
    )
    password_login(client, admin.username)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert client.get("/admin/authorities/authority/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"token": totp_code(key)})
    assert client.get("/admin/").status_code == 200


def test_logout_stays_open_before_the_second_factor(officer, officer_key):
    client = Client()
    password_login(client, "sz-guard")
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_unconfirmed_device_does_not_count(officer):
    """A half-finished binding (key shown, never confirmed) lets nobody past."""
    client = Client()
    password_login(client, "sz-guard")
    client.get(BIND)
    assert client.get("/office/")["Location"].startswith(BIND)
    assert client.get(VERIFY)["Location"].startswith("/office/")
