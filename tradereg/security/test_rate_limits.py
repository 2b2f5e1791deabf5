"""Registration (备案登记 保存), login and reset are limited per source address.

ASVS 5.0 V2.4.1 / V6.3.1 (anti-automation), 等保 第三级 入侵防范. Each refusal is one
``rate_limit_refused`` audit event and a clear message in Chinese.
"""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from tradereg.accounts import ratelimit
from tradereg.accounts.models import User
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, filing_data, form_post

pytestmark = pytest.mark.usefixtures("reference_data")

NEW_FORM = "/filing/new/form/?authority=110000&method=uscc"


def registration(username: str) -> dict:
    post = form_post(filing_data())
    post.update(username=username, password1=PASSWORD, password2=PASSWORD)
    return post


def test_registration_beyond_the_limit_keeps_the_form_and_creates_nothing(monkeypatch):
    monkeypatch.setattr(ratelimit, "REGISTRATION", ratelimit.Limit("register", 2, 3600))
    client = Client()
    assert client.post(NEW_FORM, registration("clerk-1")).status_code == 302
    assert client.post(NEW_FORM, registration("clerk-2")).status_code == 302
    post = registration("clerk-3")
    response = client.post(NEW_FORM, post)
    assert response.status_code == 200
    content = response.content.decode()
    assert "操作过于频繁，请60分钟后再试。" in content
    assert f'value="{post["name_cn"]}"' in content  # what was typed comes back
    assert not User.objects.filter(username="clerk-3").exists()
    event = AuditEvent.objects.get(event="rate_limit_refused")
    assert event.data["limit"] == "register"
    assert event.ip_address == "127.0.0.1"


def test_another_address_is_not_held_back(monkeypatch):
    monkeypatch.setattr(ratelimit, "REGISTRATION", ratelimit.Limit("register", 1, 3600))
    Client().post(NEW_FORM, registration("clerk-a"))
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(NEW_FORM, registration("clerk-b")).status_code == 302


@ratelimit.limit_per_address(ratelimit.Limit("probe", limit=2, window_seconds=60))
def probe(request):
    return HttpResponse("ok")


def test_the_decorator_answers_429_with_the_message_after_the_limit(db):
    factory = RequestFactory()
    assert probe(factory.post("/x/")).status_code == 200
    assert probe(factory.post("/x/")).status_code == 200
    assert probe(factory.get("/x/")).status_code == 200  # only POSTs count
    refused = probe(factory.post("/x/"))
    assert refused.status_code == 429
    assert "操作过于频繁，请1分钟后再试。" in refused.content.decode()
    assert refused["Retry-After"] == "60"
    assert probe(factory.post("/x/", REMOTE_ADDR="198.51.100.8")).status_code == 200


def test_the_login_limit_is_per_address_and_above_the_lockout():
    assert ratelimit.LOGIN.limit > 5  # the per-account lockout comes first
    assert ratelimit.LOGIN.window_seconds == 600


def test_the_reset_request_is_limited():
    client = Client()
    answers = [
        client.post(
            "/accounts/password/forgot/", {"username": f"u{i}", "email": f"u{i}@example.cn"}
        )
        for i in range(ratelimit.PASSWORD_FORGOT.limit + 1)
    ]
    assert all(a.status_code == 302 for a in answers[:-1])
    assert "操作过于频繁" in answers[-1].content.decode()
