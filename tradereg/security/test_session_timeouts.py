"""Idle (30 min) and absolute (12 h) session limits, on a controllable clock.

ASVS 5.0 V7.3.1/V7.3.2, 等保 第三级 "登录连接超时自动退出". The clock is time-machine's;
the session is Django's, so what is checked is what a browser would meet.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client

from tradereg.accounts import security
from tradereg.accounts.models import User
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, make_filing

pytestmark = pytest.mark.usefixtures("reference_data")

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EXPIRED = "由于长时间未操作，您已退出登录，请重新登录。"


@pytest.fixture
def owner() -> User:
    return make_filing(username="sess-clerk").owner


def logged_in(user: User) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_session_idle_for_30_minutes_ends_and_goes_back_to_login_with_next(owner):
    with time_machine.travel(START, tick=False) as clock:
        client = logged_in(owner)
        assert client.get("/my/").status_code == 200
        clock.shift(timedelta(minutes=29, seconds=50))
        assert client.get("/my/").status_code == 200  # activity: the timer starts again
        clock.shift(timedelta(minutes=29, seconds=50))
        assert client.get("/my/").status_code == 200
        clock.shift(timedelta(minutes=30))
        response = client.get("/my/?page=2")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fmy%2F%3Fpage%3D2"
    follow = client.get(response.url)
    assert EXPIRED in follow.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(event="session_expired")
    assert event.actor_id == owner.pk
    assert event.data["reason"] == "idle"


def test_a_post_after_the_idle_limit_is_not_applied_and_goes_to_login(owner):
    filing = owner.filings.get()
    with time_machine.travel(START, tick=False) as clock:
        client = logged_in(owner)
        client.get("/my/")
        clock.shift(timedelta(minutes=31))
        response = client.post(f"/my/filings/{filing.pk}/edit/", {"name_cn": "改过的名称"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert f"%2Fmy%2Ffilings%2F{filing.pk}%2Fedit%2F" in response.url
    filing.refresh_from_db()
    assert filing.revisions.count() == 1


def test_an_active_session_still_ends_after_12_hours(owner):
    with time_machine.travel(START, tick=False) as clock:
        client = logged_in(owner)
        client.get("/my/")
        for _ in range(11 * 4 + 3):  # busy every 15 minutes: never idle
            clock.shift(timedelta(minutes=15))
            assert client.get("/my/").status_code == 200
        clock.shift(timedelta(minutes=15))  # 12 hours since login
        response = client.get("/my/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert AuditEvent.objects.get(event="session_expired").data["reason"] == "absolute"


def test_the_limits_come_from_the_settings(owner, settings):
    settings.SESSION_IDLE_MINUTES = 5
    settings.SESSION_MAX_HOURS = 1
    with time_machine.travel(START, tick=False) as clock:
        client = logged_in(owner)
        client.get("/my/")
        clock.shift(timedelta(minutes=4))
        assert client.get("/my/").status_code == 200
        clock.shift(timedelta(minutes=5))
        assert client.get("/my/").status_code == 302


def test_keepalive_extends_the_idle_timer_and_tells_the_seconds_left(owner):
    with time_machine.travel(START, tick=False) as clock:
        client = logged_in(owner)
        page = client.get("/my/")
        assert 'data-session-left="1800"' in page.content.decode()
        clock.shift(timedelta(minutes=28))
        response = client.post("/accounts/session/keepalive/")
        assert response.status_code == 200
        assert response.json()["remaining"] == 30 * 60
        clock.shift(timedelta(minutes=28))
        assert client.get("/my/").status_code == 200


def test_keepalive_needs_csrf(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    assert client.post("/accounts/session/keepalive/").status_code == 403


def test_keepalive_after_the_limit_answers_401_and_ends_the_session(owner):
    with time_machine.travel(START, tick=False) as clock:
        client = logged_in(owner)
        client.get("/my/")
        clock.shift(timedelta(minutes=31))
        response = client.post("/accounts/session/keepalive/")
    assert response.status_code == 401
    assert response.json()["expired"] is True
    assert client.get("/my/").status_code == 302


def test_anonymous_pages_carry_no_timer(client):
    assert "data-session-left" not in client.get("/").content.decode()


def test_expiry_reason_unit():
    session: dict = {}
    security.session_start(session, now=1000.0)  # type: ignore[arg-type]
    assert security.session_expiry_reason(session, now=1000.0 + 29 * 60) is None  # type: ignore[arg-type]
    assert security.session_expiry_reason(session, now=1000.0 + 30 * 60) == "idle"  # type: ignore[arg-type]
    session[security.SESSION_ACTIVITY] = 1000.0 + 12 * 3600 - 1
    assert security.session_expiry_reason(session, now=1000.0 + 12 * 3600) == "absolute"  # type: ignore[arg-type]
