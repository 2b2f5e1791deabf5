"""修改密码 ends every other session; a 安全管理员 can end all sessions of a user.

ASVS 5.0 V7.4.3 (other sessions end on a password change), V7.4.5 (an administrator
can end a user's sessions); 等保 第三级 身份鉴别.
"""

import pytest
from django.contrib.admin.sites import AdminSite
from django.contrib.auth.admin import UserAdmin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from tradereg.accounts import security
from tradereg.accounts.admin_sessions import UserSessionsAdminMixin
from tradereg.accounts.models import User
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, make_filing

pytestmark = pytest.mark.usefixtures("reference_data")

CHANGE = "/accounts/password/change/"
NEW = "New#Pass2026"


@pytest.fixture
def owner() -> User:
    return make_filing(username="pwd-clerk").owner


def logged_in(user: User, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()
    client.get("/my/")
    return client


def test_the_change_page_has_labelled_fields_and_is_linked_from_the_header(owner):
    client = logged_in(owner)
    content = client.get(CHANGE).content.decode()
    for label in ("原密码", "新密码", "确认新密码"):
        assert f">{label}</label>" in content
    assert ">保存</button>" in content
    assert f'href="{CHANGE}"' in client.get("/my/").content.decode()


def test_the_change_page_needs_a_login(client):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_change_keeps_this_session_and_ends_every_other(owner):
    here, elsewhere = logged_in(owner), logged_in(owner)
    assert elsewhere.get("/my/").status_code == 200
    response = here.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert here.get("/my/").status_code == 200
    assert elsewhere.get("/my/").status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    event = AuditEvent.objects.get(event="password_changed")
    assert event.actor_id == owner.pk
    assert event.data == {"other_sessions_ended": 1}
    assert PASSWORD not in str(event.data)
    assert NEW not in str(event.data)
    assert Session.objects.count() == 1


def test_a_wrong_old_password_or_a_weak_new_one_is_refused_next_to_the_field(owner):
    client = logged_in(owner)
    response = client.post(
        CHANGE, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    )
    assert "原密码不正确" in response.content.decode()
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    content = response.content.decode()
    assert "密码太短" in content
    assert PASSWORD not in content
    assert 'value="short"' not in content
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(event="password_changed").exists()


def security_admin() -> User:
    return User.objects.create_user(
        username="sec", password=PASSWORD, role=User.Role.SECURITY_ADMIN, is_staff=True
    )


def test_a_security_admin_ends_every_session_of_a_user(owner):
    first, second = logged_in(owner), logged_in(owner)
    count = security.user_sessions_end(user=owner, acting_user=security_admin())
    assert count == 2
    assert first.get("/my/").status_code == 302
    assert second.get("/my/").status_code == 302
    event = AuditEvent.objects.get(event="user_sessions_ended")
    assert event.data["count"] == 2
    assert event.object_id == str(owner.pk)


@pytest.mark.parametrize("role", [User.Role.SYSTEM_ADMIN, User.Role.OFFICER, User.Role.AUDITOR])
def test_nobody_else_may_end_sessions(owner, role):
    authority = owner.filings.get().authority if role == User.Role.OFFICER else None
    other = User.objects.create_user(
        username=f"x-{role}", password=PASSWORD, role=role, authority=authority
    )
    with pytest.raises(PermissionDenied):
        security.user_sessions_end(user=owner, acting_user=other)


class SessionsUserAdmin(UserSessionsAdminMixin, UserAdmin):
    pass


def admin_request(user: User):
    request = RequestFactory().post("/admin/accounts/user/")
    request.user = user
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_the_admin_action_is_offered_to_the_security_admin_only(owner):
    model_admin = SessionsUserAdmin(User, AdminSite())
    sysadmin = User.objects.create_user(
        username="sys", password=PASSWORD, role=User.Role.SYSTEM_ADMIN, is_staff=True
    )
    assert "end_sessions" not in model_admin.get_actions(admin_request(sysadmin))
    sec = security_admin()
    actions = model_admin.get_actions(admin_request(sec))
    assert "end_sessions" in actions
    client = logged_in(owner)
    action = actions["end_sessions"][0]
    action(model_admin, admin_request(sec), User.objects.filter(pk=owner.pk))
    assert client.get("/my/").status_code == 302
