"""Reset and 开通用户 links: 30 minutes, once, never readable in an admin page or a log.

ASVS 5.0 V6.3 / V6.4.1 (short-lived one-time recovery secrets), V14.2.1 (no secret in
a URL that is logged); 等保 第三级 剩余信息保护 / 安全审计.
"""

import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from gunicorn.config import Config

from tradereg.accounts.accesslog import RedactingLogger, redact
from tradereg.accounts.models import User
from tradereg.filings import services as filing_services
from tradereg.filings.models import Method
from tradereg.filings.services.claims import CLAIM_VALID_MINUTES
from tradereg.filings.tests import factories
from tradereg.notifications.models import OutboundEmail

pytestmark = pytest.mark.usefixtures("reference_data")

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NEW = "Fresh#2026pass"
RESET_LINK = re.compile(r"(/accounts/password/reset/[\w-]+/[\w-]+/)")
CLAIM_LINK = re.compile(r"/accounts/claim/([\w-]+)/")


@pytest.fixture
def owner() -> User:
    return factories.make_filing(username="link-clerk", email="link@example.cn").owner


def reset_mail(owner: User) -> OutboundEmail:
    return OutboundEmail.objects.filter(
        to=owner.email, template="accounts/emails/password_reset"
    ).latest("id")


def request_reset(owner: User) -> str:
    Client().post("/accounts/password/forgot/", {"username": owner.username, "email": owner.email})
    body = reset_mail(owner).body_text
    return RESET_LINK.search(body).group(1)


def reset_form(client: Client, link: str):
    """Django's view moves the token into the session and answers a token-less URL."""
    response = client.get(link)
    assert response.status_code == 302
    assert response.url.endswith("/set-password/")
    return client.get(response.url)


def test_the_reset_link_works_for_30_minutes(owner):
    with time_machine.travel(START, tick=False) as clock:
        link = request_reset(owner)
        clock.shift(timedelta(minutes=29))
        assert reset_form(Client(), link).context["validlink"] is True
        clock.shift(timedelta(minutes=2))
        response = Client().get(link)
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_the_reset_link_works_once(owner):
    link = request_reset(owner)
    client = Client()
    page = reset_form(client, link)
    client.post(page.wsgi_request.path, {"new_password1": NEW, "new_password2": NEW})
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    assert Client().get(link).context["validlink"] is False


def test_the_mail_says_30_minutes(owner):
    request_reset(owner)
    message = reset_mail(owner)
    assert "30分钟内" in message.body_text


def legacy_filing():
    return filing_services.filing_import(
        authority=factories.authority("110000"),
        method=Method.USCC,
        data=factories.filing_data(email="old-clerk@example.cn"),
        approved_at=datetime(2010, 3, 1, 9, tzinfo=timezone.get_current_timezone()),
    )


def test_the_claim_link_lives_30_minutes():
    assert CLAIM_VALID_MINUTES == 30
    with time_machine.travel(START, tick=False) as clock:
        filing_services.account_claim_invite(
            filing=legacy_filing(),
            email="old-clerk@example.cn",
            acting_user=factories.make_officer(),
        )
        message = OutboundEmail.objects.get(to="old-clerk@example.cn")
        assert "30分钟内" in message.body_text
        token = CLAIM_LINK.search(message.body_text).group(1)
        clock.shift(timedelta(minutes=29))
        assert filing_services.account_claim_find(token=token) is not None
        clock.shift(timedelta(minutes=2))
        assert filing_services.account_claim_find(token=token) is None


def test_the_mail_admin_never_shows_a_live_link(owner):
    link = request_reset(owner)
    token = link.rstrip("/").rsplit("/", 1)[1]
    message = reset_mail(owner)
    assert message.has_secret
    assert token not in message.preview
    admin = User.objects.create_superuser(
        username="glass", password=NEW, expires_at=timezone.now() + timedelta(hours=1)
    )
    client = Client()
    client.force_login(admin, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    for url in (
        "/admin/notifications/outboundemail/",
        f"/admin/notifications/outboundemail/{message.pk}/change/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200
        assert token not in response.content.decode()
    assert "链接已隐藏" in response.content.decode()


# --- the access log -----------------------------------------------------------------------


def access_line(path: str, query: str = "", referer: str = "-") -> str:
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + (f"?{query}" if query else ""),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    request = SimpleNamespace(headers=[("REFERER", referer)])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    return Config().access_log_format % logger.atoms_wrapper_class(atoms)


def test_the_access_log_line_of_a_reset_link_has_no_token():
    line = access_line("/accounts/password/reset/MTI/cz1abc-0123456789abcdef/")
    assert "cz1abc-0123456789abcdef" not in line
    assert "/accounts/password/reset/MTI/[hidden]/" in line
    assert "203.0.113.9" in line


def test_the_access_log_line_of_a_claim_link_has_no_token():
    line = access_line(
        "/accounts/claim/Zq9-secret_token/", referer="/accounts/claim/Zq9-secret_token/"
    )
    assert "Zq9-secret_token" not in line


def test_ordinary_and_token_less_paths_are_logged_as_they_are():
    assert redact("/accounts/password/reset/MTI/set-password/") == (
        "/accounts/password/reset/MTI/set-password/"
    )
    assert redact("/operators/?q=华兴") == "/operators/?q=华兴"
