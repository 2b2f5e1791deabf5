"""ASVS V6.3.1 / 等保 登录失败处理: failures count per account whatever alias is typed and
from whichever address, and per address across accounts (password spraying). Five
failures lock for 30 minutes; the page says until when; a 安全管理员 unlocks at once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from tradereg.accounts.models import User
from tradereg.accounts.policy import security_policy
from tradereg.accounts.tests.otp import login_verified
from tradereg.accounts.tests.totp import totp_code
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, make_filing

from .conftest import VERIFY, password_login

pytestmark = pytest.mark.django_db

WRONG = "Wrong@2026pass"
NOW = datetime(2026, 3, 2, 1, 0, 0, tzinfo=UTC)  # 09:00 in Beijing


def at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


@pytest.fixture
def careless(reference_data) -> User:
    return make_filing(username="Careless", email="careless@example.cn").owner


def locked(answer) -> bool:
    return answer.status_code == 429 and "锁定" in answer.content.decode()


def test_every_alias_and_every_address_count_to_one_account(careless):
    policy = security_policy()
    assert (5, timedelta(minutes=30)) == (policy.lockout_failures, policy.lockout_cool_off)
    tries = [
        ("10.0.0.1", "careless"),
        ("10.0.0.2", "CARELESS"),
        ("10.0.0.3", "careless@example.cn"),
        ("10.0.0.4", "CareLess"),
    ]
    for address, typed in tries:
        assert password_login(at(address), typed, WRONG).status_code == 200
    assert locked(password_login(at("10.0.0.5"), "Careless@Example.CN", WRONG))
    # Locked for the account, whatever is typed, from anywhere, even with the password.
    assert locked(password_login(at("10.0.0.6"), "careless", PASSWORD))
    assert locked(password_login(at("10.0.0.7"), "careless@example.cn", PASSWORD))
    assert AuditEvent.objects.filter(event="user_locked_out").exists()


def test_spraying_one_address_across_accounts_locks_the_address(reference_data):
    for n in range(5):
        make_filing(username=f"victim{n}")
    make_filing(username="bystander")
    for n in range(4):
        assert password_login(at("203.0.113.9"), f"victim{n}", WRONG).status_code == 200
    assert locked(password_login(at("203.0.113.9"), "victim4", WRONG))
    assert locked(password_login(at("203.0.113.9"), "bystander", PASSWORD))
    # The accounts themselves are not locked: from another address they log in.
    assert password_login(at("198.51.100.1"), "victim0", PASSWORD).status_code == 302


def test_unknown_names_count_lower_cased(reference_data):
    for typed in ("Ghost", "GHOST", "ghost", "gHoSt"):
        password_login(at("10.1.0.1" if typed != "GHOST" else "10.1.0.2"), typed, WRONG)
    assert AccessAttempt.objects.filter(username="ghost").count() == 2  # one row per address
    assert locked(password_login(at("10.1.0.3"), "GhOsT", WRONG))


def test_the_page_says_locked_and_until_when_in_local_time(careless):
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            answer = password_login(at("10.0.0.1"), "careless", WRONG)
    body = answer.content.decode()
    assert "账号已暂时锁定" in body
    assert "锁定至" in body
    assert "2026年3月2日 09:30" in body  # 01:00 UTC + 30 minutes, shown in Beijing time
    assert "安全管理员" in body
    assert "备案登记机关" in body


def test_a_try_while_locked_does_not_push_the_end(careless):
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            password_login(at("10.0.0.1"), "careless", WRONG)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        again = password_login(at("10.0.0.1"), "careless", WRONG)
    assert "2026年3月2日 09:30" in again.content.decode()
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert password_login(at("10.0.0.1"), "careless", PASSWORD).status_code == 302


def test_wrong_second_factor_codes_lock_too(officer, officer_key):
    client = at("10.0.0.8")
    password_login(client, "sz-guard")
    for _ in range(4):
        assert client.post(VERIFY, {"token": "999999"}).status_code == 200
    answer = client.post(VERIFY, {"token": "999999"})
    assert locked(answer)
    assert "_auth_user_id" not in client.session  # the half-open session ends
    assert locked(password_login(at("10.0.0.9"), "sz-guard"))
    assert AuditEvent.objects.filter(event="otp_failed", actor_id=officer.pk).count() == 5


def test_the_password_alone_does_not_clear_second_factor_failures(officer, officer_key):
    """Password right, code wrong, again and again: the count goes on across logins."""
    for n in range(5):
        client = at(f"10.2.0.{n}")
        password_login(client, "sz-guard")
        answer = client.post(VERIFY, {"token": "999999"})
    assert locked(answer)


def test_a_complete_login_clears_only_that_accounts_failures(reference_data):
    make_filing(username="sprayer")
    for n in range(4):
        password_login(at("192.0.2.1"), f"someone{n}", WRONG)
    password_login(at("192.0.2.1"), "sprayer", WRONG)
    assert password_login(at("198.51.100.2"), "sprayer", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="sprayer").exists()
    assert AccessAttempt.objects.filter(ip_address="192.0.2.1").count() == 4


def test_security_admin_unlocks_at_once(careless, staff_of_each_role):
    for _ in range(5):
        password_login(at("10.0.0.1"), "careless", WRONG)
    assert locked(password_login(at("10.0.0.2"), "careless", PASSWORD))

    security = Client()
    login_verified(security, staff_of_each_role[User.Role.SECURITY_ADMIN])
    listing = security.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "careless" in listing.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    unlocked = security.post(
        "/admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": ids}
    )
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert password_login(at("10.0.0.2"), "careless", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(event="user_unlocked")
    assert event.actor_name == staff_of_each_role[User.Role.SECURITY_ADMIN].username
    assert event.data["username"] == "careless"


def test_deleting_a_lock_in_its_admin_page_is_an_audited_unlock(careless, staff_of_each_role):
    for _ in range(5):
        password_login(at("10.0.0.1"), "careless", WRONG)
    security = Client()
    login_verified(security, staff_of_each_role[User.Role.SECURITY_ADMIN])
    attempt = AccessAttempt.objects.get(username="careless")
    security.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.filter(event="user_unlocked", data__username="careless").exists()


def test_no_one_else_unlocks(careless, staff_of_each_role):
    for _ in range(5):
        password_login(at("10.0.0.1"), "careless", WRONG)
    for role in (User.Role.SYSTEM_ADMIN, User.Role.AUDITOR, "officer"):
        client = Client()
        login_verified(client, staff_of_each_role[role])
        ids = list(AccessAttempt.objects.values_list("pk", flat=True))
        client.post(
            "/admin/axes/accessattempt/",
            {"action": "unlock_selected", "_selected_action": ids},
        )
    assert AccessAttempt.objects.exists()


def test_a_verified_login_after_the_code_resets_the_count(officer, officer_key):
    client = at("10.3.0.1")
    password_login(client, "sz-guard")
    client.post(VERIFY, {"token": "999999"})
    assert client.post(VERIFY, {"token": totp_code(officer_key)}).status_code == 302
    assert not AccessAttempt.objects.filter(username="sz-guard").exists()
