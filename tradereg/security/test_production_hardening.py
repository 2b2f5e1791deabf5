"""TRADEREG_ENV=production: refuses unsafe settings and demo accounts; the deploy check
passes at WARNING level with a real configuration (each run in its own process, as the
server would start)."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.http import Http404
from django.test import RequestFactory, override_settings

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.core.checks import demo_accounts_absent
from tradereg.core.demo import DEMO_PASSWORD
from tradereg.core.middleware import AdminNetworkMiddleware, ForwardedForMiddleware
from tradereg.printing import signing

ROOT = Path(__file__).resolve().parents[2]
SIGNING: dict[str, str] = {}  # SIGNING_* of a real certificate, filled once per module


@pytest.fixture(scope="module", autouse=True)
def _signing_files(tmp_path_factory):
    """Production signs forms with configured certificates (docs/signatures.md)."""
    folder = tmp_path_factory.mktemp("signing")
    ca_key, root = signing.certificate_authority_new(common_name="测试根证书")
    key, certificate = signing.certificate_issue(
        ca_key=ca_key, ca_certificate=root, common_name="北京市商务局", serial_number="110000"
    )
    for name, item in (("cert", certificate), ("key", key), ("chain", root)):
        signing.pem_write(folder / f"{name}.pem", item)
        SIGNING[f"SIGNING_{name.upper()}"] = str(folder / f"{name}.pem")
    receipt_key = folder / "receipt-ed25519.pem"
    receipt_key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    SIGNING["RECEIPT_SIGNING_KEY"] = str(receipt_key)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "TRADEREG"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(**overrides: str) -> dict[str, str]:
    env = {
        "TRADEREG_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "SITE_URL": "https://tradereg.example.gov.cn",
        "ALLOWED_HOSTS": "tradereg.example.gov.cn",
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "sqlite:////tmp/tradereg-prod-check.sqlite3"
        ),
        **SIGNING,
    }
    env.update(overrides)
    return env


def test_deploy_check_passes_at_warning_level():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"SITE_URL": "http://tradereg.example.gov.cn"}, "https://"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "SECRET_KEY"),
        ({"FIELD_ENCRYPTION_KEY": ""}, "FIELD_ENCRYPTION_KEY"),
        ({"FIELD_ENCRYPTION_KEY": "c2hvcnQ="}, "FIELD_ENCRYPTION_KEY"),
        ({"SIGNING_CERT": "", "SIGNING_KEY": ""}, "tradereg.E030"),
        ({"RECEIPT_SIGNING_KEY": ""}, "tradereg.E034"),
        ({"RECEIPT_SIGNING_KEY": "/nonexistent/receipt.pem"}, "tradereg.E034"),
        ({"WEBHOOK_ALLOW_PRIVATE_URLS": "1"}, "tradereg.E035"),
    ],
)
def test_production_refuses_unsafe_settings(override, reason):
    result = manage("check", **production(**override))
    assert result.returncode != 0
    assert reason in result.stderr


def test_production_cookies_and_headers():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['object-src'],"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['base-uri'])"
    )
    result = manage("shell", "--verbosity", "0", "-c", script, **production())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "31536000",
        "True",
        "[\"'none'\"]",
        "[\"'self'\"]",
    ]


def test_admin_answers_only_from_the_allowed_network():
    factory = RequestFactory()
    with override_settings(ADMIN_ALLOWED_NETWORKS=["10.0.0.0/8"]):
        middleware = AdminNetworkMiddleware(lambda request: "served")
    with pytest.raises(Http404):
        middleware(factory.get("/admin/", REMOTE_ADDR="203.0.113.9"))
    assert middleware(factory.get("/admin/", REMOTE_ADDR="10.1.2.3")) == "served"
    assert middleware(factory.get("/operators/", REMOTE_ADDR="203.0.113.9")) == "served"


def test_forwarded_address_is_believed_only_from_a_trusted_proxy():
    factory = RequestFactory()
    seen = []
    with override_settings(BEHIND_PROXY=True, TRUSTED_PROXIES=["127.0.0.1"]):
        middleware = ForwardedForMiddleware(
            lambda request: seen.append(request.META["REMOTE_ADDR"])
        )
        middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"))
        middleware(factory.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.1"))
    assert seen == ["198.51.100.7", "203.0.113.9"]


@pytest.mark.django_db
def test_demo_accounts_fail_the_production_check(settings):
    settings.PRODUCTION = True
    staff_user_create(username="mofcom", password=DEMO_PASSWORD, role=User.Role.SYSTEM_ADMIN)
    problems = demo_accounts_absent(databases=["default"])
    assert [p.id for p in problems] == ["tradereg.E001"]
    assert "mofcom" in problems[0].msg
    settings.PRODUCTION = False
    assert demo_accounts_absent(databases=["default"]) == []


@pytest.mark.django_db
def test_pages_refuse_framing_but_an_attachment_may_be_framed_by_our_own_page(client):
    home = client.get("/")
    assert home["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in home["Content-Security-Policy"]
    assert "object-src 'none'" in home["Content-Security-Policy"]
    assert "base-uri 'self'" in home["Content-Security-Policy"]
