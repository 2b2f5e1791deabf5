"""Attachment rules: a regulation's attachment is a PDF, judged by its bytes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tradereg.common.files import sniff_content_type

PDF = "application/pdf"


def validate_pdf(value) -> None:
    """Refuse anything that is not a PDF by content, or that is too large."""
    if value.size > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError(
            _("附件不能超过 %(limit)s MB。"), code="too_large", params={"limit": limit}
        )
    if not value.name.lower().endswith(".pdf") or sniff_content_type(value) != PDF:
        raise ValidationError(_("附件只能是 PDF 文件。"), code="not_pdf")
