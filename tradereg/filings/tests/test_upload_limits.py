"""Per-file and per-filing attachment limits: shown before uploading, refused beside the
field when passed, nothing already saved lost; Django, the service and nginx agree."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tradereg.accounts.tests.otp import login_verified
from tradereg.common.uploads import UploadLimits
from tradereg.filings import services
from tradereg.filings.models import Attachment, Filing
from tradereg.filings.tests.factories import image_bytes, make_filing, pdf_upload, png_upload
from tradereg.office.tests.test_concurrency import OK, together

pytestmark = pytest.mark.usefixtures("reference_data")

NGINX_CONF = Path(__file__).resolve().parents[3] / "deploy" / "nginx.conf"


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def send(client: Client, filing: Filing, uploaded, kind: str = "other"):
    return client.post(
        f"/my/filings/{filing.pk}/attachments/",
        {"kind": kind, "file": uploaded},
        HTTP_ACCEPT="application/json",
    )


def errors_of(response) -> list[str]:
    return json.loads(response.content)["errors"]


def test_the_limits_are_shown_beside_the_file_field_before_uploading():
    filing = make_filing()
    client = client_for(filing.owner)
    send(client, filing, pdf_upload("a.pdf"))
    page = client.get(f"/my/filings/{filing.pk}/").content.decode()
    field = page.split('id="field-file"', 1)[1].split("</div>\n</div>", 1)[0]
    assert (
        "PDF、JPEG 或 PNG 文件。每个文件不超过 10 MB，每份备案最多 20 个文件、合计 50 MB。" in field
    )
    assert "本备案现有 1 个附件" in page


def test_the_words_follow_the_settings(settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    settings.ATTACHMENT_MAX_FILES = 5
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 1536 * 1024
    assert UploadLimits.from_settings().describe() == (
        "每个文件不超过 2 MB，每份备案最多 5 个文件、合计 1.5 MB。"
    )


def test_the_file_after_the_last_allowed_one_is_refused_and_the_others_stay(settings):
    settings.ATTACHMENT_MAX_FILES = 3
    filing = make_filing()
    client = client_for(filing.owner)
    for name in ("a.pdf", "b.pdf", "c.png"):
        upload = png_upload(name) if name.endswith(".png") else pdf_upload(name)
        assert send(client, filing, upload).status_code == 200

    response = send(client, filing, pdf_upload("d.pdf"))

    assert response.status_code == 400
    assert errors_of(response) == ["每份备案最多 3 个附件，本备案已有 3 个，不能再上传。"]
    names = sorted(filing.attachments.values_list("original_name", flat=True))
    assert names == ["a.pdf", "b.pdf", "c.png"]
    for attachment in filing.attachments.all():
        download = client.get(f"/my/filings/{filing.pk}/attachments/{attachment.pk}/")
        assert download.status_code == 200
        b"".join(download.streaming_content)


def test_replacing_a_required_file_at_the_limit_is_allowed(settings):
    settings.ATTACHMENT_MAX_FILES = 2
    filing = make_filing()
    client = client_for(filing.owner)
    send(client, filing, pdf_upload("first.pdf"), kind="signed_form")
    send(client, filing, pdf_upload("licence.pdf"), kind="business_licence")

    response = send(client, filing, pdf_upload("second.pdf"), kind="signed_form")

    assert response.status_code == 200
    assert filing.attachments.get(kind="signed_form").original_name == "second.pdf"
    assert Attachment.objects.filter(filing=filing, replaced_at__isnull=False).count() == 1


def test_a_file_that_takes_the_filing_past_its_total_is_refused(settings):
    filing = make_filing()
    client = client_for(filing.owner)
    send(client, filing, png_upload("big.png", size=(400, 400)))
    used = filing.attachments.get().size
    settings.ATTACHMENT_MAX_TOTAL_BYTES = used + 100

    response = send(client, filing, png_upload("more.png", size=(400, 400)))

    assert response.status_code == 400
    assert errors_of(response)[0].startswith("每份备案的附件合计不能超过")
    assert filing.attachments.count() == 1


def test_the_total_counts_what_is_stored_not_what_was_sent(settings):
    """A PNG re-encoded smaller counts at its stored size."""
    filing = make_filing()
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 10_000
    # Trailing data, dropped by the re-encoding.
    padded = SimpleUploadedFile("padded.png", image_bytes("PNG") + b"\0" * 20_000)
    response = send(client_for(filing.owner), filing, padded)
    assert response.status_code == 200
    assert filing.attachments.get().size < 10_000


def test_the_service_refuses_too_many_files_without_the_form(settings):
    """The limit holds for any caller, not only the upload page."""
    settings.ATTACHMENT_MAX_FILES = 1
    filing = make_filing()
    services.attachment_add(
        filing=filing, acting_user=filing.owner, kind="other", uploaded=pdf_upload()
    )
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            filing=filing, acting_user=filing.owner, kind="other", uploaded=pdf_upload()
        )
    assert "file" in refused.value.message_dict
    assert filing.attachments.count() == 1


def test_a_file_over_the_per_file_limit_is_refused_by_the_service(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    filing = make_filing()
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(
            filing=filing, acting_user=filing.owner, kind="other", uploaded=pdf_upload()
        )
    assert "单个附件不能超过" in refused.value.message_dict["file"][0]


def test_django_the_limits_and_nginx_agree():
    """nginx lets one whole file and its form through, and not much more; Django keeps
    large uploads out of memory and its field limit is for the form, not the file."""
    limits = UploadLimits.from_settings()
    assert limits.max_file_bytes == 10 * 1024 * 1024
    assert limits.max_files == 20
    assert limits.max_total_bytes == 50 * 1024 * 1024
    assert limits.max_file_bytes <= limits.max_total_bytes
    body = re.search(r"client_max_body_size\s+(\d+)m;", NGINX_CONF.read_text())
    assert body is not None
    nginx_bytes = int(body[1]) * 1024 * 1024
    assert limits.max_file_bytes < nginx_bytes <= limits.max_file_bytes + 1024 * 1024
    assert limits.max_file_bytes > django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert limits.max_file_bytes > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_pass_the_limit_together(settings):
    """Checked again under the filing's lock: one wins, the other is refused and its
    already written file is removed again."""
    settings.ATTACHMENT_MAX_FILES = 1
    filing = make_filing()

    def contender(name: str):
        return lambda: services.attachment_add(
            filing=filing, acting_user=filing.owner, kind="other", uploaded=pdf_upload(name)
        )

    outcomes = together(contender("left.pdf"), contender("right.pdf"))

    refused = [value for kind, value in outcomes if kind != OK]
    assert len(refused) == 1
    assert isinstance(refused[0], ValidationError)
    assert "不能再上传" in refused[0].message_dict["file"][0]
    attachment = Attachment.objects.get(filing=filing)
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert [p.name for p in files] == [Path(attachment.file.name).name]
