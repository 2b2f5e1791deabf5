"""The disk fills up while an attachment is stored — for real: MEDIA_ROOT is a tmpfs of
256 KiB mounted for the test, and the kernel answers ENOSPC part way through the write.

The person is told plainly, no half-written file stays behind, no row without its file
is committed, and what the filing already held is untouched (issue 9, faults). Mounting
needs root (CI runs as root, docs/ci.md); without it the test fails rather than skip.
"""

import hashlib
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.core.demo import DEMO_PDF
from tradereg.filings.models import Attachment, Filing
from tradereg.filings.tests.factories import make_filing, pdf_upload

pytestmark = pytest.mark.usefixtures("reference_data")

SIZE = 256 * 1024


@pytest.fixture
def tiny_media(settings, tmp_path):
    """A real, small filesystem as MEDIA_ROOT, unmounted afterwards."""
    root = tmp_path / "tiny-media"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(f"mounting a {SIZE}-byte tmpfs needs root: {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = root
    try:
        yield root
    finally:
        subprocess.run(["umount", "--lazy", str(root)], check=True)


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 × side² bytes, stored much the same size."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(out, "PNG")
    return out.getvalue()


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def send(client: Client, filing: Filing, uploaded, kind: str):
    return client.post(
        f"/my/filings/{filing.pk}/attachments/",
        {"kind": kind, "file": uploaded},
        HTTP_ACCEPT="application/json",
    )


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_full_disk_refuses_the_file_clearly_and_loses_nothing(tiny_media):
    filing = make_filing()
    client = client_for(filing.owner)
    assert send(client, filing, pdf_upload("签字盖章.pdf"), "signed_form").status_code == 200
    kept = filing.attachments.get()
    kept_path = Path(kept.file.path)
    assert kept_path.is_relative_to(tiny_media)
    big = noise_png(300)
    assert SIZE < len(big) < 10 * 1024 * 1024

    response = send(client, filing, SimpleUploadedFile("营业执照.png", big), "business_licence")

    assert response.status_code == 400
    assert json.loads(response.content)["errors"] == [
        "服务器存储空间不足，附件未能保存。请稍后重试；已上传的附件不受影响。"
    ]
    assert list(Attachment.objects.filter(filing=filing)) == [kept]
    assert files_under(tiny_media) == [kept_path]  # the half-written file is gone
    assert not AuditEvent.objects.filter(
        event="attachment_added", data__kind="business_licence"
    ).exists()
    download = client.get(f"/my/filings/{filing.pk}/attachments/{kept.pk}/?download=1")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == DEMO_PDF
    assert kept.sha256 == hashlib.sha256(DEMO_PDF).hexdigest()

    # The space the failed write took is free again: a file that fits is stored.
    fits = SimpleUploadedFile("营业执照.png", noise_png(150))
    assert send(client, filing, fits, "business_licence").status_code == 200
    assert filing.attachments.count() == 2


def test_a_replacement_that_does_not_fit_leaves_the_current_file_current(tiny_media):
    filing = make_filing()
    client = client_for(filing.owner)
    send(client, filing, pdf_upload("first.pdf"), "signed_form")
    first = filing.attachments.get(kind="signed_form")

    response = send(client, filing, SimpleUploadedFile("second.png", noise_png(300)), "signed_form")

    assert response.status_code == 400
    first.refresh_from_db()
    assert first.replaced_at is None
    assert filing.attachments.get(kind="signed_form") == first
    assert files_under(tiny_media) == [Path(first.file.path)]
