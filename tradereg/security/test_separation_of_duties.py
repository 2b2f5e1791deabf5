"""三员分立: 系统管理员, 安全管理员 and 审计管理员 each reach only their part; nobody is a
superuser but a break-glass account, which expires."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from tradereg.accounts import ratelimit
from tradereg.accounts.models import User
from tradereg.accounts.services import break_glass_create, staff_user_create
from tradereg.accounts.tests.otp import bind_through_pages, login_verified
from tradereg.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"
PASSWORD = "Kx7#mPq2Lw9z"


def logged_in(role: str, username: str) -> tuple[User, Client]:
    user = staff_user_create(username=username, password=PASSWORD, role=role)
    client = Client()
    login_verified(client, user)
    return user, client


def test_no_administrator_is_a_superuser():
    for role in (User.Role.SYSTEM_ADMIN, User.Role.SECURITY_ADMIN, User.Role.AUDITOR):
        user = staff_user_create(username=f"x-{role}", password=PASSWORD, role=role)
        assert not user.is_superuser


def test_system_admin_manages_reference_data_but_not_the_audit_or_security():
    _user, client = logged_in(User.Role.SYSTEM_ADMIN, "sys")
    for path in (
        "/admin/authorities/authority/",
        "/admin/regulations/regulation/",
        "/admin/filings/operatortype/",
        "/admin/core/announcement/",
        "/admin/accounts/user/",
    ):
        assert client.get(path).status_code == 200, path
    for path in ("/admin/audit/auditevent/", "/admin/axes/accessattempt/"):
        assert client.get(path).status_code in (403, 404), path
    assert client.get("/audit/").status_code == 404


def test_system_admin_cannot_widen_rights_or_touch_the_other_administrators():
    user, client = logged_in(User.Role.SYSTEM_ADMIN, "sys")
    security = staff_user_create(username="sec", password=PASSWORD, role=User.Role.SECURITY_ADMIN)
    # The other administrators are not among the accounts it manages.
    assert client.get(f"/admin/accounts/user/{security.pk}/change/").status_code in (302, 404)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code in (302, 404)  # not even its own account: it is no officer
    add = client.get("/admin/accounts/user/add/").content.decode()
    assert 'value="security_admin"' not in add
    assert 'value="auditor"' not in add


def test_security_admin_unlocks_but_sees_no_filing_data():
    _user, client = logged_in(User.Role.SECURITY_ADMIN, "sec")
    assert client.get("/admin/axes/accessattempt/").status_code == 200
    assert client.get("/admin/filings/filing/").status_code in (403, 404)
    assert client.get("/office/").status_code == 404
    assert client.get("/audit/").status_code == 404
    # It looks accounts up (to end their sessions) but cannot change them.
    officer = _user
    assert client.get("/admin/accounts/user/").status_code == 200
    change = client.post(f"/admin/accounts/user/{officer.pk}/change/", {"username": "renamed"})
    assert change.status_code in (200, 403)
    officer.refresh_from_db()
    assert officer.username == "sec"


def test_the_login_page_is_rate_limited_per_address():
    client = Client(REMOTE_ADDR="198.51.100.20")
    answers = [
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"})
        for i in range(ratelimit.LOGIN.limit + 1)
    ]
    assert answers[-1].status_code == 429
    assert "操作过于频繁" in answers[-1].content.decode()
    other = Client(REMOTE_ADDR="198.51.100.21").post(
        "/accounts/login/", {"username": "nobody", "password": "x"}
    )
    assert other.status_code != 429


def test_auditor_has_no_admin_site_and_no_filing_data():
    _user, client = logged_in(User.Role.AUDITOR, "aud")
    assert client.get("/admin/").status_code == 404  # no admin site for it
    assert client.get("/office/").status_code == 404


def test_break_glass_superuser_is_audited_and_expires():
    user = break_glass_create(
        username="ops-1", password=PASSWORD, hours=2, reason="恢复误删的机关", operator="root"
    )
    assert user.is_superuser
    assert user.has_perm("audit.view_auditevent")
    event = AuditEvent.objects.get(event="break_glass_created")
    assert event.data["reason"] == "恢复误删的机关"
    assert event.data["operator"] == "root"
    client = Client()
    login = {"username": "ops-1", "password": PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 302
    bind_through_pages(client)  # a superuser too has a second factor
    assert client.get("/admin/").status_code == 200
    User.objects.filter(pk=user.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/admin/").status_code == 302  # its session ends with it
    assert Client().post("/accounts/login/", login).status_code == 200  # refused
    user.refresh_from_db()
    assert not user.has_perm("audit.view_auditevent")


@pytest.mark.parametrize("hours", [0, 9])
def test_break_glass_is_limited_in_time(hours):
    with pytest.raises(ValidationError):
        break_glass_create(
            username="ops-2", password=PASSWORD, hours=hours, reason="x", operator="root"
        )
    assert not User.objects.filter(username="ops-2").exists()


def test_break_glass_command_reads_the_password_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    out = io.StringIO()
    call_command(
        "break_glass", "--username", "ops-3", "--hours", "1", "--reason", "演练", stdout=out
    )
    assert "ops-3" in out.getvalue()
    assert User.objects.get(username="ops-3").check_password(PASSWORD)


def test_a_superuser_without_expiry_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        User.objects.create_superuser(username="root", password=PASSWORD)


def test_a_system_admin_changing_reference_data_leaves_an_audit_event():
    user, client = logged_in(User.Role.SYSTEM_ADMIN, "sys-audited")
    login_verified(client, user)
    response = client.post(
        "/admin/core/announcement/add/",
        {
            "title": "系统维护通知",
            "body": "今晚维护。",
            "published_at_0": "2026-12-01",
            "published_at_1": "09:00:00",
            "is_published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:400]
    event = AuditEvent.objects.get(event="admin_changed")
    assert event.actor_name == "sys-audited"
    assert event.object_type == "core.announcement"
    assert event.data["action"] == "add"
