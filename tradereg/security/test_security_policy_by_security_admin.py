"""The 安全管理员 sets the password profile, the lockout and the session limits in /admin/
安全策略, and each change applies at once (decision 0020).

等保 第三级 安全管理员 (三员分立: only this role changes the security settings), 身份鉴别
a)–d) (password rules, 登录失败处理, 连接超时自动退出) kept within bounds; ASVS 5.0
V6.2.1/V6.2.10 (the profiles), V6.3.1 (lockout), V7.3.1/V7.3.2 (idle and absolute
timeouts); every change is an audit event with the old and the new value.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.checks import Error
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from tradereg.accounts.models import SecurityPolicy, User
from tradereg.accounts.policy import (
    initial_policy,
    initial_policy_check,
    security_policy,
    security_policy_forget,
)
from tradereg.accounts.services import staff_user_create
from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, make_filing

from .conftest import password_login

pytestmark = pytest.mark.usefixtures("reference_data")

PAGE = "/admin/accounts/securitypolicy/"
WRONG = "Wrong@2026pass"
NOW = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)  # 09:00 in Beijing


@pytest.fixture(autouse=True)
def _fresh_policy():
    """Each test starts from the settings: the row of one test is rolled back, and this
    process's copy of it must go with it."""
    security_policy_forget()
    yield
    security_policy_forget()


@pytest.fixture
def secadmin() -> Client:
    user = staff_user_create(
        username="secadmin-t", password=PASSWORD, role=User.Role.SECURITY_ADMIN
    )
    client = Client()
    login_verified(client, user)
    return client


def form_values(**changes) -> dict:
    """What the 安全策略 form holds now, with ``changes`` typed over it."""
    values = {
        "password_profile": "mlps3",
        "password_max_age_days": 90,
        "lockout_failures": 5,
        "lockout_minutes": 30,
        "session_idle_minutes": 30,
        "session_max_hours": 12,
    }
    current = SecurityPolicy.objects.filter(pk=1).values(*values).first()
    return {**values, **(current or {}), **changes, "_save": "保存"}


def change(client: Client, **changes):
    assert client.get(PAGE).status_code == 200
    return client.post(PAGE, form_values(**changes))


def saved(response) -> bool:
    return response.status_code == 302 and response.url == PAGE


def field_row(html: str, name: str) -> str:
    """The admin's row of one field: its label, input and the errors shown beside it."""
    start = html.index(f"field-{name}")
    end = html.find('class="form-row', start)
    return html[start : end if end != -1 else len(html)]


def locked(answer) -> bool:
    return answer.status_code == 429 and "锁定" in answer.content.decode()


# --- the page --------------------------------------------------------------------------


def test_the_admin_index_leads_the_security_admin_to_安全策略(secadmin):
    index = secadmin.get("/admin/").content.decode()
    assert f'href="{PAGE}"' in index
    assert "安全策略" in index
    page = secadmin.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    labels = ("密码策略", "工作人员密码有效期（天）", "登录失败锁定次数", "锁定时长（分钟）")
    for label in (*labels, "空闲超时（分钟）", "会话最长时间（小时）"):
        assert label in html
    # No add or delete: one row, and looking at it stores nothing.
    assert "/add/" not in html.split('id="content"')[1]
    assert secadmin.get(f"{PAGE}add/").status_code == 403
    assert secadmin.post(f"{PAGE}1/delete/", {"post": "yes"}).status_code == 403
    assert not SecurityPolicy.objects.exists()


def test_until_a_save_the_settings_are_the_policy_and_then_the_row_is(secadmin, settings):
    settings.SESSION_IDLE_MINUTES = 20
    assert security_policy().session_idle_minutes == 20
    html = secadmin.get(PAGE).content.decode()
    assert 'value="20"' in field_row(html, "session_idle_minutes")
    assert saved(change(secadmin, session_idle_minutes=15))
    settings.SESSION_IDLE_MINUTES = 25
    assert security_policy().session_idle_minutes == 15
    assert initial_policy().session_idle_minutes == 25


# --- each setting applies at once ------------------------------------------------------


def test_a_lower_failure_limit_locks_after_that_many_failures(secadmin):
    make_filing(username="careless")
    make_filing(username="other-clerk")
    for _ in range(3):
        password_login(Client(REMOTE_ADDR="10.0.0.1"), "other-clerk", WRONG)
    assert password_login(Client(), "other-clerk").status_code == 302  # 3 of 5: not locked
    assert saved(change(secadmin, lockout_failures=3))
    for _ in range(2):
        assert password_login(Client(REMOTE_ADDR="10.0.0.2"), "careless", WRONG).status_code == 200
    assert locked(password_login(Client(REMOTE_ADDR="10.0.0.3"), "careless", WRONG))
    assert locked(password_login(Client(REMOTE_ADDR="10.0.0.4"), "careless", PASSWORD))


def test_a_shorter_lock_ends_sooner_and_the_page_says_so(secadmin):
    make_filing(username="careless")
    with time_machine.travel(NOW, tick=False) as clock:
        assert saved(change(secadmin, lockout_minutes=10))
        for _ in range(5):
            answer = password_login(Client(REMOTE_ADDR="10.0.0.1"), "careless", WRONG)
        assert locked(answer)
        assert "2026年3月2日 09:10" in answer.content.decode()  # 01:00 UTC + 10 minutes
        clock.shift(timedelta(minutes=11))
        assert password_login(Client(REMOTE_ADDR="10.0.0.1"), "careless").status_code == 302


def test_a_shorter_idle_limit_ends_open_sessions_at_once(secadmin):
    owner = make_filing(username="idle-clerk").owner
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        assert password_login(client, owner.username).status_code == 302
        assert 'data-session-left="1800"' in client.get("/my/").content.decode()
        clock.shift(timedelta(minutes=11))
        assert client.get("/my/").status_code == 200  # 11 idle minutes of 30
        assert saved(change(secadmin, session_idle_minutes=10))
        assert 'data-session-left="600"' in client.get("/my/").content.decode()
        clock.shift(timedelta(minutes=10))
        response = client.get("/my/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    event = AuditEvent.objects.get(event="session_expired")
    assert (event.actor_id, event.data["reason"]) == (owner.pk, "idle")


def test_a_shorter_maximum_ends_a_busy_session_after_that_many_hours(secadmin):
    owner = make_filing(username="busy-clerk").owner
    with time_machine.travel(NOW, tick=False) as clock:
        client = Client()
        password_login(client, owner.username)
        client.get("/my/")  # where the login leads: the session's clock starts
        assert saved(change(secadmin, session_max_hours=1))
        for _ in range(3):  # busy every 15 minutes: never idle
            clock.shift(timedelta(minutes=15))
            assert client.get("/my/").status_code == 200
        clock.shift(timedelta(minutes=15))
        response = client.get("/my/")
        follow = client.get(response.url).content.decode()
    assert response.status_code == 302
    assert "登录时间已超过1小时" in follow
    assert AuditEvent.objects.get(event="session_expired").data["reason"] == "absolute"


def test_the_asvs_profile_refuses_a_password_that_mlps3_accepted(secadmin):
    owner = make_filing(username="pw-clerk").owner
    client = Client()
    password_login(client, owner.username)
    page = "/accounts/password/change/"
    assert "10个字符" in client.get(page).content.decode()
    ten = {"old_password": PASSWORD, "new_password1": "Kx7mPq2Lw9", "new_password2": "Kx7mPq2Lw9"}
    assert client.post(page, ten).status_code == 302  # mlps3: 10 characters of 3 kinds
    assert saved(change(secadmin, password_profile="asvs", password_max_age_days=0))
    assert "12个字符" in client.get(page).content.decode()  # the help text follows
    again = {
        "old_password": "Kx7mPq2Lw9",
        "new_password1": "Qz8nRr3Mx5",
        "new_password2": "Qz8nRr3Mx5",
    }
    refused = client.post(page, again)
    assert refused.status_code == 200
    assert "密码太短，至少需要12个字符。" in refused.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("Kx7mPq2Lw9")
    words = "correct horse battery staple"  # no composition rule under ASVS
    words_only = {"old_password": "Kx7mPq2Lw9", "new_password1": words, "new_password2": words}
    assert client.post(page, words_only).status_code == 302


def officer_with_password_days_old(days: int) -> User:
    officer = make_filing(username=f"ent-{days}").authority
    user = staff_user_create(
        username=f"officer-{days}", password=PASSWORD, role=User.Role.OFFICER, authority=officer
    )
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days))
    user.refresh_from_db()
    return user


def test_a_shorter_password_age_sends_staff_to_change_it_at_their_next_login(secadmin):
    officer = officer_with_password_days_old(45)
    before = Client()
    login_verified(before, officer)
    assert before.get("/office/").status_code == 200  # 45 days of 90
    assert saved(change(secadmin, password_max_age_days=30))
    after = Client()
    login_verified(after, officer)
    response = after.get("/office/")
    assert response.url == "/accounts/password/change/"
    assert "您的密码已超过30天未更换" in after.get(response.url).content.decode()


def test_switching_the_forced_change_off_frees_a_sent_user_at_once(secadmin):
    officer = officer_with_password_days_old(100)
    client = Client()
    login_verified(client, officer)
    assert client.get("/office/").url == "/accounts/password/change/"
    assert saved(change(secadmin, password_profile="asvs", password_max_age_days=0))
    assert client.get("/office/").status_code == 200


# --- bounds ----------------------------------------------------------------------------

OUT_OF_BOUNDS = [
    ("session_idle_minutes", 31, {}, "请填写5至30之间的分钟数。"),
    ("session_idle_minutes", 4, {}, "请填写5至30之间的分钟数。"),
    ("session_max_hours", 13, {}, "请填写1至12之间的小时数。"),
    ("session_max_hours", 0, {}, "请填写1至12之间的小时数。"),
    ("lockout_failures", 2, {}, "请填写3至10之间的次数。"),
    ("lockout_failures", 11, {}, "请填写3至10之间的次数。"),
    ("lockout_minutes", 9, {}, "请填写10至1440之间的分钟数。"),
    ("lockout_minutes", 1441, {}, "请填写10至1440之间的分钟数。"),
    ("password_max_age_days", 0, {}, "等保2.0第三级要求定期更换密码，请填写30至90之间的天数。"),
    ("password_max_age_days", 120, {}, "等保2.0第三级要求定期更换密码，请填写30至90之间的天数。"),
    (
        "password_max_age_days",
        90,
        {"password_profile": "asvs"},
        "ASVS 5.0 不允许强制定期更换密码，此策略下请填写0。",
    ),
]


@pytest.mark.parametrize(("name", "value", "others", "message"), OUT_OF_BOUNDS)
def test_a_value_out_of_bounds_is_refused_beside_its_field(secadmin, name, value, others, message):
    response = change(secadmin, **{name: value}, **others)
    assert response.status_code == 200
    row = field_row(response.content.decode(), name)
    assert message in row
    assert f'value="{value}"' in row  # what was typed stays
    assert not SecurityPolicy.objects.exists()
    assert not AuditEvent.objects.filter(event="security_policy_changed").exists()
    assert security_policy() == initial_policy()


def test_the_database_refuses_a_row_out_of_bounds_too():
    values = {**initial_policy().__dict__, "session_idle_minutes": 60}
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.create(pk=1, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.create(pk=2, **initial_policy().__dict__)


def test_initial_values_out_of_bounds_fail_the_system_check(settings):
    assert initial_policy_check() == []
    settings.LOCKOUT_FAILURES = 20
    settings.SESSION_COOKIE_AGE = 3600
    found = initial_policy_check()
    assert all(isinstance(e, Error) for e in found)
    assert [e.id for e in found] == ["accounts.E101", "accounts.E102"]
    assert "lockout_failures" in found[0].msg


# --- nobody else -----------------------------------------------------------------------


def test_no_one_but_the_security_admin_sees_or_changes_it(staff_of_each_role):
    owner = make_filing(username="curious").owner
    answers = {}
    for who, user in (
        ("system_admin", staff_of_each_role[User.Role.SYSTEM_ADMIN]),
        ("auditor", staff_of_each_role[User.Role.AUDITOR]),
        ("officer", staff_of_each_role["officer"]),
        ("enterprise", owner),
    ):
        client = Client()
        login_verified(client, user)
        answers[who] = (
            client.get(PAGE).status_code,
            client.get(f"{PAGE}1/change/").status_code,
            client.post(PAGE, form_values(lockout_failures=10)).status_code,
        )
    anonymous = Client().get(PAGE)
    assert answers == {
        "system_admin": (403, 403, 403),
        "auditor": (404, 404, 404),
        "officer": (404, 404, 404),
        "enterprise": (404, 404, 404),
    }
    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/admin/login/")
    system_admin_index = Client()
    login_verified(system_admin_index, staff_of_each_role[User.Role.SYSTEM_ADMIN])
    assert PAGE not in system_admin_index.get("/admin/").content.decode()
    assert not SecurityPolicy.objects.exists()
    assert security_policy().lockout_failures == 5


# --- the audit trail -------------------------------------------------------------------


def test_every_change_is_an_audit_event_with_old_and_new_values(secadmin):
    assert saved(change(secadmin, lockout_failures=4, session_idle_minutes=15))
    assert saved(change(secadmin, lockout_failures=6))
    first, second = AuditEvent.objects.filter(event="security_policy_changed").order_by("pk")
    assert first.actor_name == "secadmin-t"
    assert first.actor_role == User.Role.SECURITY_ADMIN
    assert (first.object_type, first.object_id) == ("security_policy", "1")
    assert first.data["changes"] == {"lockout_failures": [5, 4], "session_idle_minutes": [30, 15]}
    assert first.data["first_saved"] is True
    assert second.data["changes"] == {"lockout_failures": [4, 6]}
    assert second.data["first_saved"] is False
    assert (
        AuditEvent.objects.filter(
            event="admin_changed", object_type="accounts.securitypolicy"
        ).count()
        == 2
    )


def test_the_page_says_the_change_is_in_force(secadmin):
    response = secadmin.post(PAGE, form_values(lockout_failures=4), follow=True)
    assert "安全策略已保存，立即生效" in response.content.decode()
    assert response.redirect_chain == [(PAGE, 302)]
