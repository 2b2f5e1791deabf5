"""Hostile files, generated into a folder (tests/hostile.py), uploaded through the real
page: each is refused with its reason beside the field, or stored neutralised — asserted
on the bytes in storage and on the headers it is served with (issue 9, Checks).
"""

import hashlib
import io
import json
import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.common import uploads
from tradereg.filings.models import Attachment, Filing, Status
from tradereg.filings.tests import hostile
from tradereg.filings.tests.factories import make_filing, make_officer

pytestmark = pytest.mark.usefixtures("reference_data")

NOT_ACCEPTED = "文件内容不是 PDF、JPEG 或 PNG"
# sample → the words its refusal must give the person uploading it.
REFUSED = {
    "openaction-javascript.pdf": "含有脚本（JavaScript）",
    "openaction-javascript-escaped.pdf": "含有脚本（JavaScript）",
    "javascript-in-object-stream.pdf": "含有脚本（JavaScript）",
    "page-aa-javascript.pdf": "含有脚本（JavaScript）",
    "javascript-link.pdf": "含有脚本（JavaScript）",
    "launch.pdf": "启动程序",
    "embedded-executable.pdf": "内嵌了其他文件",
    "file-attachment.pdf": "内嵌了其他文件",
    "submit-form.pdf": "提交数据的表单",
    "xfa-form.pdf": "提交数据的表单",
    "truncated.pdf": "不完整或已损坏",
    "encrypted.pdf": "已加密",
    "bomb-20000x20000.png": "图片像素过多",
    "drawing.svg": NOT_ACCEPTED,
    "setup.exe.pdf": NOT_ACCEPTED,
    "page.html.jpg": NOT_ACCEPTED,
}
NEUTRALISED = {"polyglot.jpg": "image/jpeg", "text-chunks.png": "image/png"}
PNG_METADATA_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP", b"tIME"}


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    return hostile.hostile_folder(tmp_path_factory.mktemp("hostile"))


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def send(client: Client, filing: Filing, path: Path, kind: str = "other", **extra):
    with path.open("rb") as handle:
        return client.post(
            f"/my/filings/{filing.pk}/attachments/",
            {"kind": kind, "file": handle},
            HTTP_ACCEPT="application/json",
            **extra,
        )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_bytes(attachment: Attachment) -> bytes:
    with attachment.file.storage.open(attachment.file.name, "rb") as handle:
        return handle.read()


def served(response) -> bytes:
    return b"".join(response.streaming_content)


def png_chunks(content: bytes) -> list[bytes]:
    kinds, at = [], 8
    while at < len(content):
        (length,) = struct.unpack(">I", content[at : at + 4])
        kinds.append(content[at + 4 : at + 8])
        at += 12 + length
    return kinds


def test_every_generated_sample_is_judged_here(samples):
    assert set(samples) == set(REFUSED) | set(NEUTRALISED)
    assert samples["bomb-20000x20000.png"].stat().st_size < 100_000  # tiny on disk


@pytest.mark.parametrize(("name", "words"), list(REFUSED.items()))
def test_a_hostile_file_is_refused_with_its_reason_and_nothing_is_stored(
    samples, settings, name, words
):
    filing = make_filing()
    response = send(client_for(filing.owner), filing, samples[name])

    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["ok"] is False
    assert len(body["errors"]) == 1
    assert words in body["errors"][0]
    assert not Attachment.objects.filter(filing=filing).exists()
    assert stored_files(settings) == []
    refused = AuditEvent.objects.get(event="attachment_refused", filing_id=filing.pk)
    assert refused.outcome == "refused"
    assert refused.data["name"] == name
    assert refused.data["sha256"] == hashlib.sha256(samples[name].read_bytes()).hexdigest()


def test_without_script_the_refusal_comes_back_as_a_message_on_the_page(samples):
    filing = make_filing()
    client = client_for(filing.owner)
    with samples["openaction-javascript.pdf"].open("rb") as handle:
        response = client.post(
            f"/my/filings/{filing.pk}/attachments/",
            {"kind": "signed_form", "file": handle},
            follow=True,
        )
    shown = [str(m) for m in response.context["messages"]]
    assert any("含有脚本（JavaScript）" in m for m in shown)
    assert not filing.attachments.exists()


def test_the_jpeg_html_polyglot_is_stored_as_pixels_only(samples, settings):
    filing = make_filing()
    original = samples["polyglot.jpg"].read_bytes()
    assert hostile.HTML_PAYLOAD in original
    assert b"EvilCam" in original

    response = send(client_for(filing.owner), filing, samples["polyglot.jpg"])

    assert json.loads(response.content) == {"ok": True, "errors": []}
    attachment = filing.attachments.get()
    content = stored_bytes(attachment)
    assert content.endswith(b"\xff\xd9")  # nothing after the image's end
    for leftover in (hostile.HTML_PAYLOAD, b"<script", b"<html", b"EvilCam", b"Exif\x00\x00"):
        assert leftover not in content
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG"
    assert image.size == (120, 80)
    assert not image.getexif()
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / attachment.file.name]


def test_the_png_keeps_no_text_chunks_and_no_tail(samples):
    filing = make_filing()
    send(client_for(filing.owner), filing, samples["text-chunks.png"])

    content = stored_bytes(filing.attachments.get())
    assert hostile.HTML_PAYLOAD not in content
    assert b"110101199003077777" not in content
    chunks = png_chunks(content)
    assert chunks[0] == b"IHDR"
    assert chunks[-1] == b"IEND"
    assert not PNG_METADATA_CHUNKS & set(chunks)
    assert content.endswith(b"IEND\xaeB`\x82")


def test_a_neutralised_file_is_served_as_a_download_to_its_owner(samples):
    filing = make_filing()
    client = client_for(filing.owner)
    send(client, filing, samples["polyglot.jpg"])
    attachment = filing.attachments.get()

    for query in ("", "?download=1"):
        response = client.get(f"/my/filings/{filing.pk}/attachments/{attachment.pk}/{query}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="polyglot.jpg"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert served(response) == stored_bytes(attachment)


def test_staff_preview_inline_only_what_was_checked_and_download_on_request(samples):
    filing = make_filing(status=Status.REPORTED)
    owner = client_for(filing.owner)
    for name in ("polyglot.jpg", "text-chunks.png"):
        send(owner, filing, samples[name])
    officer = client_for(make_officer(code="110000"))

    review = officer.get(f"/office/filings/{filing.pk}/").content.decode()
    for attachment in filing.attachments.all():
        url = f"/my/filings/{filing.pk}/attachments/{attachment.pk}/"
        tag = "iframe" if attachment.content_type == "application/pdf" else "img"
        assert f'<{tag} src="{url}"' in review
        preview = officer.get(url)
        assert preview["Content-Disposition"].startswith("inline;")
        assert preview["Content-Type"] == attachment.content_type
        assert preview["X-Content-Type-Options"] == "nosniff"
        assert preview["X-Frame-Options"] == "SAMEORIGIN"
        assert served(preview) == stored_bytes(attachment)
        download = officer.get(url + "?download=1")
        assert download["Content-Disposition"].startswith("attachment;")
        served(download)


def test_a_clean_pdf_is_kept_byte_for_byte():
    filing = make_filing()
    clean = hostile.pdf_clean()
    upload = SimpleUploadedFile("签字盖章.pdf", clean, content_type="application/pdf")
    response = client_for(filing.owner).post(
        f"/my/filings/{filing.pk}/attachments/",
        {"kind": "signed_form", "file": upload},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    attachment = filing.attachments.get()
    assert stored_bytes(attachment) == clean
    assert attachment.sha256 == hashlib.sha256(clean).hexdigest()


def test_a_name_that_lies_about_the_content_is_corrected():
    filing = make_filing()
    png = SimpleUploadedFile("scan.pdf", hostile.png_with_text())
    client_for(filing.owner).post(
        f"/my/filings/{filing.pk}/attachments/", {"kind": "other", "file": png}
    )
    attachment = filing.attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "scan.png"


@pytest.mark.parametrize(
    "build",
    [
        hostile.pdf_open_action_javascript,
        hostile.pdf_open_action_javascript_escaped,
        hostile.pdf_javascript_in_object_stream,
        hostile.pdf_page_additional_action_js,
        hostile.pdf_launch,
        hostile.pdf_embedded_executable,
        hostile.pdf_file_attachment_annotation,
        hostile.pdf_submit_form,
        hostile.pdf_xfa_form,
        hostile.pdf_javascript_uri,
    ],
)
def test_the_parsed_document_alone_finds_every_kind_of_active_content(build):
    """The byte scan is a second line; the parser must not depend on it."""
    assert uploads.pdf_reason_parsed(build()) is not None


def test_the_byte_scan_reads_escaped_names_and_the_parser_reads_compressed_objects():
    assert uploads.pdf_reason_raw(hostile.pdf_open_action_javascript_escaped()) == "script"
    hidden = hostile.pdf_javascript_in_object_stream()
    assert b"JavaScript" not in hidden
    assert uploads.pdf_reason_raw(hidden) is None
    assert uploads.pdf_reason_parsed(hidden) == "script"
    assert uploads.pdf_reason_parsed(hostile.pdf_clean()) is None
    assert uploads.pdf_reason_raw(hostile.pdf_clean()) is None


def test_an_upright_photo_stays_upright_when_its_orientation_tag_goes():
    """EXIF orientation 6 (camera held sideways): the pixels are turned, the tag dropped."""
    sideways = hostile.jpeg_with_metadata(orientation=6, size=(120, 80))
    clean = uploads.sanitise(sideways, max_pixels=10_000_000)
    image = Image.open(io.BytesIO(clean.content)).convert("RGB")
    assert image.size == (80, 120)
    assert not image.getexif()
    # The blue mark at the top left of the stored pixels is at the top right when shown.
    red, green, blue = image.getpixel((image.width - 3, 3))
    assert blue > 150
    assert red < 100
    red, green, blue = image.getpixel((3, 3))
    assert red > 150
    assert blue < 100


def test_the_pixel_limit_is_the_setting_and_is_checked_before_decoding(settings):
    settings.ATTACHMENT_MAX_PIXELS = 100 * 100
    filing = make_filing()
    client = client_for(filing.owner)
    over = SimpleUploadedFile("big.png", hostile.png_bomb(101, 100))
    response = client.post(
        f"/my/filings/{filing.pk}/attachments/",
        {"kind": "other", "file": over},
        HTTP_ACCEPT="application/json",
    )
    assert "图片像素过多（超过 1 万像素）" in json.loads(response.content)["errors"][0]
    at_limit = SimpleUploadedFile("fits.png", hostile.png_bomb(100, 100))
    response = client.post(
        f"/my/filings/{filing.pk}/attachments/",
        {"kind": "other", "file": at_limit},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert Image.open(io.BytesIO(stored_bytes(filing.attachments.get()))).size == (100, 100)
