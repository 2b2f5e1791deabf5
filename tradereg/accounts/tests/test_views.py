"""Login, logout, 忘记密码 and the reset link, through the web pages."""

import json
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tradereg.accounts.models import User
from tradereg.audit.models import AuditEvent
from tradereg.filings.tests.factories import PASSWORD, filing_data, form_post, make_filing
from tradereg.notifications.models import OutboundEmail

pytestmark = pytest.mark.usefixtures("reference_data")

NEW_PASSWORD = "Fresh#2026pass"
FORGOT = "/accounts/password/forgot/"
RESET_TEMPLATE = "accounts/emails/password_reset"


@pytest.fixture
def owner() -> User:
    return make_filing(username="acct-clerk").owner


def reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/accounts/password/reset/{uid}/{default_token_generator.make_token(user)}/"


# --- login and logout -------------------------------------------------------------------


def test_login_page_has_labels_and_button(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert re.search(r"<label for=\"id_username\"[^>]*>用户名</label>", content)
    assert re.search(r"<label for=\"id_password\"[^>]*>密码</label>", content)
    assert '<button type="submit">登录</button>' in content
    assert 'href="/accounts/password/forgot/"' in content


def test_failed_login_shows_message_and_writes_audit_event(client, owner):
    response = client.post("/accounts/login/", {"username": "acct-clerk", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.get(event="user_login_failed")
    assert event.data["username"] == "acct-clerk"
    assert event.actor is None
    assert "wrong" not in json.dumps(event.data)


def test_successful_login_writes_audit_event(client, owner):
    response = client.post("/accounts/login/", {"username": "acct-clerk", "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(event="user_logged_in")
    assert event.actor == owner
    assert not AuditEvent.objects.filter(event="user_login_failed").exists()


def test_repeated_failures_lock_the_account_out(client, owner, settings):
    for _ in range(settings.LOCKOUT_FAILURES):
        client.post("/accounts/login/", {"username": "acct-clerk", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "acct-clerk", "password": PASSWORD})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_email(client, owner):
    response = client.post("/accounts/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == owner.pk


def test_login_redirects_officer_to_office(client):
    from tradereg.filings.tests.factories import make_officer

    officer = make_officer(username="office-clerk")
    response = client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 302
    # The second factor comes first (the officer binds an authenticator), then /office/.
    assert response["Location"] == "/accounts/2fa/bind/?next=%2Foffice%2F"


def test_login_ignores_external_next(client, owner):
    response = client.post(
        "/accounts/login/",
        {"username": "acct-clerk", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_logout_by_post(client, owner):
    client.post("/accounts/login/", {"username": "acct-clerk", "password": PASSWORD})
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event="user_logged_out", actor=owner).exists()
    assert client.get("/my/filings/").status_code == 302


def test_logout_by_get_refused(client, owner):
    client.post("/accounts/login/", {"username": "acct-clerk", "password": PASSWORD})
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert "_auth_user_id" in client.session


# --- 忘记密码 ---------------------------------------------------------------------------


def forgot(client: Client, username: str, email: str):
    return client.post(FORGOT, {"username": username, "email": email})


def test_forgot_page_has_labels(client):
    content = client.get(FORGOT).content.decode()
    assert ">用户名</label>" in content
    assert ">电子邮箱</label>" in content
    assert '<button type="submit">提交</button>' in content


def test_forgot_same_answer_for_matching_and_non_matching_pairs(owner):
    matching = forgot(Client(), "acct-clerk", owner.email)
    wrong_email = forgot(Client(), "acct-clerk", "someone@example.cn")
    unknown_user = forgot(Client(), "nobody-here", owner.email)
    for response in (matching, wrong_email, unknown_user):
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/forgot/sent/"
    pages = {Client().get(r["Location"]).content for r in (matching, wrong_email, unknown_user)}
    assert len(pages) == 1


def test_forgot_mails_only_the_matching_pair(client, owner):
    OutboundEmail.objects.all().delete()
    forgot(client, "acct-clerk", "someone@example.cn")
    forgot(client, "nobody-here", owner.email)
    assert not OutboundEmail.objects.filter(template=RESET_TEMPLATE).exists()
    forgot(client, "ACCT-Clerk", owner.email.upper())
    sent = OutboundEmail.objects.get(template=RESET_TEMPLATE)
    assert sent.to == owner.email
    assert "/accounts/password/reset/" in sent.body_text


def test_forgot_rate_limited_after_5_tries_per_hour(client, owner):
    for _ in range(5):
        assert forgot(client, "acct-clerk", "someone@example.cn").status_code == 302
    response = forgot(client, "acct-clerk", owner.email)
    assert response.status_code == 200
    assert "操作过于频繁" in response.content.decode()
    assert not OutboundEmail.objects.filter(template=RESET_TEMPLATE).exists()


def test_forgot_rate_limit_counts_per_username_across_addresses(owner):
    for index in range(5):
        forgot(Client(REMOTE_ADDR=f"10.0.0.{index + 1}"), "acct-clerk", "x@example.cn")
    response = forgot(Client(REMOTE_ADDR="10.0.0.99"), "acct-clerk", owner.email)
    assert response.status_code == 200
    assert "操作过于频繁" in response.content.decode()


# --- the reset link ---------------------------------------------------------------------


def use_reset_link(client: Client, link: str, password: str = NEW_PASSWORD):
    response = client.get(link)
    assert response.status_code == 302  # the token moves into the session
    form_url = response["Location"]
    assert client.get(form_url).context["validlink"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_reset_link_sets_new_password(client, owner):
    response = use_reset_link(client, reset_link(owner))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert not owner.check_password(PASSWORD)
    assert AuditEvent.objects.filter(event="password_reset_completed", actor=owner).exists()
    login = Client().post("/accounts/login/", {"username": "acct-clerk", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_reset_link_from_the_email_works(client, owner):
    forgot(client, "acct-clerk", owner.email)
    body = OutboundEmail.objects.get(template=RESET_TEMPLATE).body_text
    link = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", body).group(0)
    use_reset_link(Client(), link)
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_reset_link_cannot_be_used_twice(owner):
    link = reset_link(owner)
    use_reset_link(Client(), link)
    second = Client()
    response = second.get(link, follow=True)
    assert response.context["validlink"] is False
    assert "重置链接无效或已使用" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_reset_form_refuses_weak_password(client, owner):
    response = use_reset_link(client, reset_link(owner), password="abcdefghij")
    assert response.status_code == 200
    assert "三种" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_reset_form_explains_short_password_in_chinese(client, owner):
    response = use_reset_link(client, reset_link(owner), password="Ab1!x")
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert errors
    assert all(any("\u4e00" <= char <= "\u9fff" for char in error) for error in errors), errors


def test_reset_link_with_bad_token_is_invalid(client, owner):
    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    response = client.get(f"/accounts/password/reset/{uid}/abc-0123456789abcdef/", follow=True)
    assert response.context["validlink"] is False


# --- passwords never leave ------------------------------------------------------------


def leaked(password: str) -> list[str]:
    found = []
    for mail in OutboundEmail.objects.all():
        if password in f"{mail.subject}\n{mail.body_text}\n{mail.body_html}":
            found.append(f"email {mail.template}")
    for event in AuditEvent.objects.all():
        if password in json.dumps(event.data, ensure_ascii=False):
            found.append(f"audit {event.event}")
    return found


def test_password_never_in_email_or_audit_after_registration_and_reset(client):
    post = form_post(filing_data())
    post.update(username="leak-clerk", password1=PASSWORD, password2=PASSWORD)
    response = client.post("/filing/new/form/?authority=110000&method=uscc", post)
    assert response.status_code == 302
    user = User.objects.get(username="leak-clerk")
    assert OutboundEmail.objects.filter(to=user.email).exists()

    Client().post("/accounts/login/", {"username": "leak-clerk", "password": "Wrong#2026x"})
    forgot(Client(), "leak-clerk", user.email)
    use_reset_link(Client(), reset_link(user))
    Client().post("/accounts/login/", {"username": "leak-clerk", "password": NEW_PASSWORD})

    assert OutboundEmail.objects.filter(template=RESET_TEMPLATE).exists()
    assert AuditEvent.objects.filter(event="password_reset_completed").exists()
    for password in (PASSWORD, NEW_PASSWORD, "Wrong#2026x"):
        assert leaked(password) == [], password
    user.refresh_from_db()
    assert NEW_PASSWORD not in user.password
