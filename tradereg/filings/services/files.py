"""Attachment files in storage: written whole or not at all, served only when they are
what was stored, removed when a cancelled filing's retention period ends.

The rows say what a file is (kind, name, size, SHA-256); these functions keep the bytes
in storage in step with them, whichever storage backend holds them.
"""

import errno
import hashlib
import hmac
import logging
import secrets
from contextlib import suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.common.uploads import Sanitised
from tradereg.filings.models import Attachment, Filing, FilingEvent, Status

logger = logging.getLogger(__name__)

FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
SUFFIX = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def file_store(*, attachment: Attachment, clean: Sanitised) -> str:
    """Write the clean bytes under a fresh name and return it.

    A write that fails part way (disk full, storage unreachable) leaves nothing behind
    and raises ValidationError with a message for the person uploading; what the filing
    already holds is untouched.
    """
    storage = attachment.file.storage
    token = secrets.token_hex(8)
    wanted = f"{attachment.filing.system_no}-{attachment.kind}-{token}{SUFFIX[clean.content_type]}"
    name = storage.get_available_name(
        attachment.file.field.generate_filename(attachment, wanted),
        max_length=attachment.file.field.max_length,
    )
    try:
        return storage.save(name, ContentFile(clean.content), max_length=200)
    except Exception as error:
        with suppress(Exception):
            storage.delete(name)
        logger.exception("attachment %s for filing %s not stored", name, attachment.filing_id)
        if isinstance(error, OSError) and error.errno in FULL:
            message = _("服务器存储空间不足，附件未能保存。请稍后重试；已上传的附件不受影响。")
        else:
            message = _("存储服务暂时不可用，附件未能保存。请稍后重试；已上传的附件不受影响。")
        raise ValidationError({"file": message}, code="storage_failed") from error


def file_discard(*, attachment: Attachment, name: str) -> None:
    """Remove a stored file that no committed row names (the upload was refused or its
    transaction failed, or the enterprise deleted it before 上报). A storage failure is
    logged, not raised: what the database says has already happened."""
    try:
        attachment.file.storage.delete(name)
    except Exception:
        logger.exception("attachment file %s could not be removed from storage", name)


class AttachmentUnavailable(Exception):
    """The file cannot be served: ``removed`` (retention), ``missing`` or ``mismatch``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def attachment_content(
    *, attachment: Attachment, acting_user: User, request: HttpRequest | None = None
) -> bytes:
    """The stored bytes, checked against the size and SHA-256 recorded at upload.

    A file that is missing or differs is not served: ``attachment_integrity_failed`` is
    recorded in the audit trail and AttachmentUnavailable raised. A file removed by the
    retention period raises AttachmentUnavailable("removed") and records nothing.
    """
    if attachment.file_removed_at is not None:
        raise AttachmentUnavailable("removed")
    found = ""
    try:
        with attachment.file.storage.open(attachment.file.name or "", "rb") as stored:
            content = stored.read(attachment.size + 1)  # enough to see a file that grew
    except (OSError, ValueError):
        content, reason = b"", "missing"
    else:
        found = hashlib.sha256(content).hexdigest()
        if len(content) == attachment.size and hmac.compare_digest(found, attachment.sha256):
            return content
        reason = "mismatch"
    audit_record(
        event="attachment_integrity_failed",
        actor=acting_user,
        filing_id=attachment.filing_id,
        object_type="attachment",
        object_id=attachment.pk,
        request=request,
        name=attachment.original_name,
        reason=reason,
        expected_sha256=attachment.sha256,
        found_sha256=found,
        expected_size=attachment.size,
        found_size=len(content),
    )
    logger.error("attachment %s failed its integrity check: %s", attachment.pk, reason)
    raise AttachmentUnavailable(reason)


def _cancelled_before(cutoff: datetime) -> QuerySet[Filing]:
    cancelled_at = Max("events__created_at", filter=Q(events__kind=FilingEvent.Kind.CANCELLED))
    return (
        Filing.objects.filter(status=Status.CANCELLED)
        .annotate(cancelled_at=cancelled_at)
        .filter(cancelled_at__lt=cutoff)
    )


def cancelled_attachments_purge(*, now: datetime | None = None) -> list[int]:
    """Remove the files of filings cancelled more than CANCELLED_ATTACHMENT_RETENTION_DAYS
    ago; returns the attachment ids.

    The rows stay, marked ``file_removed_at``, and each removal leaves an
    ``attachment_file_removed`` audit event with the file's name and SHA-256: the filing,
    its revisions and history remain the legal record. A file is deleted inside the
    transaction that marks its row, so a storage failure leaves both as they were for
    the next run. Idempotent.
    """
    now = now or timezone.now()
    days = settings.CANCELLED_ATTACHMENT_RETENTION_DAYS
    due = Attachment.objects.filter(
        filing__in=_cancelled_before(now - timedelta(days=days)), file_removed_at__isnull=True
    ).order_by("pk")
    removed = []
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            attachment = (
                Attachment.objects.select_for_update()
                .filter(pk=pk, file_removed_at__isnull=True)
                .first()
            )
            if attachment is None:
                continue
            attachment.file_removed_at = now
            attachment.save(update_fields=["file_removed_at"])
            audit_record(
                event="attachment_file_removed",
                filing_id=attachment.filing_id,
                object_type="attachment",
                object_id=attachment.pk,
                name=attachment.original_name,
                kind=attachment.kind,
                size=attachment.size,
                sha256=attachment.sha256,
                retention_days=days,
            )
            attachment.file.storage.delete(attachment.file.name or "")
        removed.append(pk)
    return removed
