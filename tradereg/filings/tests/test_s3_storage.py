"""Attachments on S3-compatible storage (MEDIA_STORAGE=s3), against a real S3 API on
loopback (moto's server): uploaded through the enterprise's page, kept private in the
bucket, served to the officer only through the app; production refuses half a setup."""

import base64
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter

from tradereg.accounts.tests.otp import login_verified
from tradereg.common.storage import PrivateS3Storage
from tradereg.core.checks import media_storage_configured
from tradereg.filings import services
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import make_filing, make_officer
from tradereg.filings.tests.s3 import MotoS3

pytestmark = pytest.mark.usefixtures("reference_data")

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def s3():
    server = MotoS3.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3, settings):
    """A new bucket as the default storage, as MEDIA_STORAGE=s3 with S3_* configures it."""
    name = s3.bucket()
    settings.STORAGES = s3.storages(settings, name)
    settings.MEDIA_STORAGE = "s3"
    return name


def pdf(width: int = 595) -> bytes:
    """A real one-page PDF (pypdf), different bytes for each width."""
    writer = PdfWriter()
    writer.add_blank_page(width=width, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(client: Client, filing, kind: str, content: bytes, name: str):
    response = client.post(
        reverse("filings:attachment_upload", args=[filing.pk]),
        {"kind": kind, "file": ContentFile(content, name=name)},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return filing.all_attachments.filter(kind=kind).latest("pk")


def test_upload_and_officer_download_go_through_a_private_bucket(s3, bucket, settings):
    filing = make_filing(status=Status.DRAFT)
    enterprise = Client()
    login_verified(enterprise, filing.owner)
    scan, licence = pdf(595), pdf(600)
    signed = upload(enterprise, filing, "signed_form", scan, "签字盖章.pdf")
    upload(enterprise, filing, "business_licence", licence, "营业执照.pdf")
    services.filing_report(filing=filing, acting_user=filing.owner)

    objects = s3.objects(bucket)
    assert objects[signed.file.name] == scan
    assert sorted(objects.values()) == sorted([scan, licence])
    for key in objects:
        assert s3.public_grants(bucket, key) == []
    # Nothing went to the local disk.
    assert not Path(settings.MEDIA_ROOT).exists()

    officer = Client()
    login_verified(officer, make_officer())
    served = officer.get(reverse("filings:attachment", args=[filing.pk, signed.pk]))
    assert served.status_code == 200
    body = b"".join(served.streaming_content)
    assert body == scan
    assert hashlib.sha256(body).hexdigest() == signed.sha256
    assert "no-store" in served["Cache-Control"]

    # No address of the bucket, signed or not, is ever made for anyone to follow.
    url = signed.file.url
    assert s3.endpoint not in url
    assert bucket not in url
    assert "Signature" not in url
    assert "X-Amz" not in url


def test_a_replaced_file_keeps_its_own_object(s3, bucket):
    """A replaced scan is a second object beside the first, which officers still see."""
    filing = make_filing(status=Status.DRAFT)
    enterprise = Client()
    login_verified(enterprise, filing.owner)
    first = upload(enterprise, filing, "signed_form", pdf(595), "scan.pdf")
    second = upload(enterprise, filing, "signed_form", pdf(612), "scan.pdf")

    first.refresh_from_db()
    assert first.replaced_at is not None
    assert first.file.name != second.file.name
    objects = s3.objects(bucket)
    assert objects[first.file.name] == pdf(595)
    assert objects[second.file.name] == pdf(612)


def test_storage_stays_private_whatever_its_options_say(s3, bucket):
    storage = PrivateS3Storage(
        **s3.options(bucket), default_acl="public-read", querystring_auth=True
    )
    name = storage.save("attachments/probe.pdf", ContentFile(pdf()))
    assert s3.public_grants(bucket, name) == []
    assert "Signature" not in storage.url(name)
    assert storage.save("attachments/probe.pdf", ContentFile(b"%PDF-other")) != name
    assert s3.objects(bucket)[name] == pdf()


def test_s3_environment_variables_make_the_default_storage_the_bucket(s3, tmp_path):
    """settings.py reads MEDIA_STORAGE=s3 and S3_* into the private storage class: a file
    saved by another process lands in the bucket."""
    name = s3.bucket()
    script = (
        "from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage as s;"
        "print(type(s._wrapped).__name__ if s.save('attachments/wired.pdf', ContentFile(b'%PDF-1'))"
        " else '', s.bucket_name, s.default_acl, s.querystring_auth, s.file_overwrite)"
    )
    result = manage(
        "shell", "--verbosity", "0", "-c", script, DATA_DIR=str(tmp_path), **s3.env(name)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["PrivateS3Storage", name, "None", "False", "False"]
    assert s3.objects(name) == {"attachments/wired.pdf": b"%PDF-1"}


# --- configuration ----------------------------------------------------------------------


def s3_options(**overrides) -> dict:
    options = {
        "bucket_name": "tradereg-media",
        "endpoint_url": "https://s3.internal.example.gov.cn",
        "region_name": "cn-north-1",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "example-secret",
    }
    options.update(overrides)
    return options


@pytest.mark.parametrize(
    ("production", "overrides", "expected"),
    [
        (False, {}, []),
        (True, {}, []),
        (False, {"bucket_name": ""}, ["tradereg.E020"]),
        (False, {"access_key": None, "secret_key": None, "endpoint_url": None}, []),
        (True, {"access_key": None}, ["tradereg.E021"]),
        (True, {"secret_key": None}, ["tradereg.E021"]),
        (True, {"endpoint_url": None, "region_name": None}, ["tradereg.E022"]),
        (True, {"endpoint_url": None}, []),
        (True, {"endpoint_url": "http://s3.internal.example.gov.cn"}, ["tradereg.E023"]),
        (True, {"endpoint_url": "http://127.0.0.1:9000"}, []),
    ],
)
def test_s3_settings_are_checked(settings, production, overrides, expected):
    settings.PRODUCTION = production
    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tradereg.common.storage.PrivateS3Storage",
            "OPTIONS": s3_options(**overrides),
        },
    }
    assert [error.id for error in media_storage_configured()] == expected


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO", "TRADEREG", "S3_", "MEDIA_", "FIELD_ENCRYPTION"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_half_an_s3_setup_does_not_start(tmp_path):
    env = {
        "TRADEREG_ENV": "production",
        "SECRET_KEY": "k" + os.urandom(40).hex(),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SITE_URL": "https://tradereg.example.gov.cn",
        "ALLOWED_HOSTS": "tradereg.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "tradereg-media",
        "S3_ENDPOINT_URL": "http://s3.internal.example.gov.cn",
    }
    result = manage("check", "--deploy", **env)
    assert result.returncode != 0
    assert "tradereg.E021" in result.stderr
    assert "tradereg.E023" in result.stderr

    result = manage("check", **{**env, "MEDIA_STORAGE": "disk"})
    assert result.returncode != 0
    assert "MEDIA_STORAGE must be filesystem or s3" in result.stderr
