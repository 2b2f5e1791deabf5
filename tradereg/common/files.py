"""File-content checks: the type is read from the bytes, never from the name."""

from django.core.files.uploadedfile import UploadedFile

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(uploaded: UploadedFile) -> str | None:
    """Return the MIME type from the file's first bytes, or None if not PDF/JPEG/PNG."""
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None
