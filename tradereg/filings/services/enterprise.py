"""The enterprise's transitions: 保存 (new, save, edit, change), 上报, attachments."""

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.accounts.services import enterprise_user_create
from tradereg.audit.services import audit_record
from tradereg.authorities.models import Authority
from tradereg.filings import numbering
from tradereg.filings.attachments import sniff_content_type
from tradereg.filings.lifecycle import TRANSITIONS, Action, form_action_for, target_status
from tradereg.filings.models import Attachment, Filing, FilingRevision, Status
from tradereg.filings.services.common import (
    TransitionNotAllowed,
    check_owner,
    check_transition,
    ensure_code_free,
    lock_filing,
    operator_code_for,
    revision_write,
)
from tradereg.notifications.services import email_enqueue


def filing_create(
    *,
    authority: Authority,
    method: str,
    username: str,
    password: str,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> Filing:
    """保存 of a new filing: the account, the filing (已保存), revision 1 and the 系统编号.

    The welcome e-mail (username and 系统编号, never the password) is queued in the same
    transaction. Raises ValidationError when the username or operator code is taken.
    """
    code = operator_code_for(method=method, data=data)
    with transaction.atomic():
        ensure_code_free(code=code, method=method)
        user = enterprise_user_create(
            username=username, email=data["email"], password=password, request=request
        )
        try:
            with transaction.atomic():
                filing = Filing.objects.create(
                    system_no=numbering.system_no_next(),
                    owner=user,
                    authority=authority,
                    status=Status.DRAFT,
                    operator_code=code,
                )
        except IntegrityError as exc:
            ensure_code_free(code=code, method=method)
            raise exc
        revision = revision_write(
            filing=filing,
            kind=FilingRevision.Kind.CREATE,
            user=user,
            authority=authority,
            method=method,
            data=data,
        )
        filing.current_revision = revision
        filing.save(update_fields=["current_revision"])
        audit_record(
            event="filing_saved",
            actor=user,
            filing=filing,
            request=request,
            revision=revision.number,
            system_no=filing.system_no,
        )
        email_enqueue(
            to=user.email,
            template="accounts/emails/welcome",
            context={"user": user, "filing": filing, "revision": revision},
        )
    return filing


def filing_save(
    *,
    filing: Filing,
    acting_user: User,
    authority: Authority,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> Filing:
    """保存 on the enterprise form: 保存 (draft/returned/changing), 编辑 (reported, stays
    reported) or 变更 (approved → changing). Always writes a new revision; the authority
    may change. The approved revision is untouched until a change is approved.
    """
    with transaction.atomic():
        filing = lock_filing(filing)
        check_owner(filing, acting_user)
        action = form_action_for(filing.status)
        if action is None:
            check_transition(Action.SAVE, filing)
        method = filing.current_revision.method
        code = operator_code_for(method=method, data=data)
        ensure_code_free(code=code, method=method, exclude=filing)
        revision = revision_write(
            filing=filing,
            kind={
                Action.SAVE: FilingRevision.Kind.SAVE,
                Action.EDIT: FilingRevision.Kind.EDIT,
                Action.CHANGE: FilingRevision.Kind.CHANGE,
            }[action],
            user=acting_user,
            authority=authority,
            method=method,
            data=data,
        )
        previous_authority = filing.authority
        filing.current_revision = revision
        filing.authority = authority
        filing.operator_code = code
        filing.status = target_status(action, filing.status)
        if action == Action.EDIT:
            filing.reported_at = timezone.now()
        filing.save()
        if acting_user.email != data["email"]:
            acting_user.email = data["email"]
            acting_user.save(update_fields=["email"])
        audit_record(
            event={
                Action.SAVE: "filing_saved",
                Action.EDIT: "filing_edited",
                Action.CHANGE: "filing_change_started",
            }[action],
            actor=acting_user,
            filing=filing,
            request=request,
            revision=revision.number,
            authority_from=previous_authority.code,
            authority_to=authority.code,
        )
    return filing


def missing_required_attachments(filing: Filing) -> list[str]:
    present = set(filing.attachments.values_list("kind", flat=True))
    return [Attachment.Kind(k).label for k in Attachment.REQUIRED_KINDS if k not in present]


def filing_report(
    *, filing: Filing, acting_user: User, request: HttpRequest | None = None
) -> Filing:
    """上报: send the filing for review. Idempotent: reporting a reported filing is a no-op,
    so a double click reports once. Refused while a required attachment is missing.
    """
    with transaction.atomic():
        filing = lock_filing(filing)
        check_owner(filing, acting_user)
        if filing.status == Status.REPORTED:
            return filing
        check_transition(Action.REPORT, filing)
        missing = missing_required_attachments(filing)
        if missing:
            raise TransitionNotAllowed(
                _("上报前请先上传：%(items)s。") % {"items": "、".join(str(m) for m in missing)}
            )
        is_change = filing.has_been_approved
        filing.status = Status.REPORTED
        filing.reported_at = timezone.now()
        filing.save(update_fields=["status", "reported_at", "updated_at"])
        audit_record(
            event="filing_reported",
            actor=acting_user,
            filing=filing,
            request=request,
            revision=filing.current_revision.number,
            is_change=is_change,
        )
    return filing


def attachment_add(
    *,
    filing: Filing,
    acting_user: User,
    kind: str,
    uploaded: UploadedFile,
    request: HttpRequest | None = None,
) -> Attachment:
    """Store an attachment; a required kind replaces the previous file of that kind.

    Allowed while the enterprise can still change what it sends (not once approved or
    cancelled without a change under way). The type is checked from the content.
    """
    content_type = sniff_content_type(uploaded)
    if content_type is None:
        raise ValidationError({"file": _("文件内容不是 PDF、JPEG 或 PNG，请上传正确的文件。")})
    with transaction.atomic():
        filing = lock_filing(filing)
        check_owner(filing, acting_user)
        if filing.status in (Status.APPROVED, Status.CANCELLED):
            raise TransitionNotAllowed(_("备案已审核通过，如需修改附件请先办理变更。"))
        replaced = None
        if kind != Attachment.Kind.OTHER:
            replaced = filing.attachments.filter(kind=kind).first()
            if replaced is not None:
                old_file = replaced.file
                replaced.delete()
                transaction.on_commit(lambda: old_file.storage.delete(old_file.name))
        digest = hashlib.sha256()
        for chunk in uploaded.chunks():
            digest.update(chunk)
        uploaded.seek(0)
        attachment = Attachment(
            filing=filing,
            kind=kind,
            original_name=uploaded.name[-200:],
            content_type=content_type,
            size=uploaded.size,
            sha256=digest.hexdigest(),
            uploaded_by=acting_user,
        )
        suffix = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
        attachment.file.save(
            f"{filing.system_no}-{kind}{suffix[content_type]}", uploaded, save=False
        )
        stored_name = attachment.file.name
        try:
            attachment.save()
        except Exception:
            attachment.file.storage.delete(stored_name)
            raise
        audit_record(
            event="attachment_replaced" if replaced else "attachment_added",
            actor=acting_user,
            filing=filing,
            request=request,
            kind=kind,
            name=attachment.original_name,
            size=attachment.size,
        )
    return attachment


def attachment_delete(
    *, attachment: Attachment, acting_user: User, request: HttpRequest | None = None
) -> None:
    """Remove an attachment before the filing is reported; the file goes after commit."""
    with transaction.atomic():
        filing = lock_filing(attachment.filing)
        check_owner(filing, acting_user)
        if filing.status not in TRANSITIONS[Action.REPORT].sources:
            raise TransitionNotAllowed(_("已上报或已审核的备案不能删除附件。"))
        stored = attachment.file
        attachment.delete()
        transaction.on_commit(lambda: stored.storage.delete(stored.name))
        audit_record(
            event="attachment_deleted",
            actor=acting_user,
            filing=filing,
            request=request,
            kind=attachment.kind,
            name=attachment.original_name,
        )
