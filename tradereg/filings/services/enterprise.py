"""The enterprise's transitions: 保存 (new, save, edit, change), 上报, attachments."""

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.accounts.services import enterprise_user_create
from tradereg.audit.services import audit_record
from tradereg.authorities.models import Authority
from tradereg.common import uploads
from tradereg.common.uploads import UploadLimits
from tradereg.filings import numbering, selectors
from tradereg.filings.lifecycle import (
    TRANSITIONS,
    Action,
    Actor,
    TransitionNotAllowed,
    allows,
    form_action_for,
    may_act,
    refusal_for,
)
from tradereg.filings.models import Attachment, Filing, FilingRevision, Status
from tradereg.filings.services import files
from tradereg.filings.services.common import (
    ensure_code_free,
    operator_code_for,
    revision_write,
)
from tradereg.filings.services.transitions import lock_filing, transition_apply

REVISION_KIND = {
    Action.SAVE: FilingRevision.Kind.SAVE,
    Action.EDIT: FilingRevision.Kind.EDIT,
    Action.CHANGE: FilingRevision.Kind.CHANGE,
}


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

        def write(filing: Filing) -> FilingRevision:
            revision = revision_write(
                filing=filing,
                kind=FilingRevision.Kind.CREATE,
                user=user,
                authority=authority,
                method=method,
                data=data,
            )
            filing.current_revision = revision
            return revision

        filing = Filing(
            system_no=numbering.system_no_next(),
            owner=user,
            authority=authority,
            operator_code=code,
        )
        try:
            with transaction.atomic():
                filing = transition_apply(
                    action=Action.CREATE,
                    filing=filing,
                    user=user,
                    write=write,
                    request=request,
                    audit_data={"system_no": filing.system_no},
                    email_to=user.email,
                    email_context={"user": user},
                )
        except IntegrityError:
            ensure_code_free(code=code, method=method)
            raise
    return filing


def filing_save(
    *,
    filing: Filing,
    acting_user: User,
    authority: Authority,
    data: dict[str, Any],
    expected_revision: int | None = None,
    request: HttpRequest | None = None,
) -> Filing:
    """保存 on the enterprise form: 保存 (draft/returned/changing), 编辑 (reported, stays
    reported) or 变更 (approved → changing). Always writes a new revision; the authority
    may change. The approved revision is untouched until a change is approved.

    ``expected_revision`` is the revision the form was opened on; if another save has
    landed since (a second tab, a colleague), nothing is written and a ValidationError on
    ``revision`` says so, so that the later save never silently undoes the earlier one.
    """
    with transaction.atomic():
        # Which of 保存/编辑/变更 this is depends on the status under the lock: an approval
        # that lands first turns an 编辑 into the start of a 变更, and nothing is lost.
        locked = lock_filing(filing)
        current = locked.current_revision.number if locked.current_revision else 0
        if expected_revision is not None and expected_revision != current:
            raise ValidationError(
                {
                    "revision": _(
                        "在您打开此页后，该备案已被另一次保存修改（现为第%(n)d版），"
                        "本次填写的内容尚未保存。"
                    )
                    % {"n": current}
                }
            )
        action = form_action_for(locked.status) or Action.SAVE
        return _save_as(action, locked, acting_user, authority, data, request)


def _save_as(
    action: Action,
    filing: Filing,
    acting_user: User,
    authority: Authority,
    data: dict[str, Any],
    request: HttpRequest | None,
) -> Filing:
    previous_authority = filing.authority

    def write(locked: Filing) -> FilingRevision:
        method = locked.revision.method
        code = operator_code_for(method=method, data=data)
        ensure_code_free(code=code, method=method, exclude=locked)
        revision = revision_write(
            filing=locked,
            kind=REVISION_KIND[action],
            user=acting_user,
            authority=authority,
            method=method,
            data=data,
        )
        locked.current_revision = revision
        locked.authority = authority
        locked.operator_code = code
        if action == Action.EDIT:
            locked.reported_at = timezone.now()
        if acting_user.email != data["email"]:
            acting_user.email = data["email"]
            acting_user.save(update_fields=["email"])
        return revision

    return transition_apply(
        action=action,
        filing=filing,
        user=acting_user,
        write=write,
        request=request,
        audit_data={
            "authority_from": previous_authority.code,
            "authority_to": authority.code,
        },
    )


def filing_report(
    *, filing: Filing, acting_user: User, request: HttpRequest | None = None
) -> Filing:
    """上报: send the filing for review. Idempotent: reporting a reported filing is a no-op,
    so a double click reports once. Refused while a required attachment is missing.
    """

    def write(locked: Filing) -> None:
        locked.reported_at = timezone.now()
        locked.reported_as_change = locked.has_been_approved

    with transaction.atomic():
        locked = lock_filing(filing)
        if locked.status == Status.REPORTED and may_act(Actor.OWNER, locked, acting_user):
            return locked
        sent = list(locked.attachments.values_list("pk", flat=True))
        return transition_apply(
            action=Action.REPORT,
            filing=locked,
            user=acting_user,
            write=write,
            request=request,
            event_fields={"attachment_ids": sent},
            audit_data={"is_change": locked.has_been_approved},
        )


def _read_whole(uploaded: UploadedFile, limits: UploadLimits) -> bytes:
    """The upload's bytes, stopping as soon as they pass the per-file limit."""
    uploaded.seek(0)
    parts, read = [], 0
    for chunk in uploaded.chunks():
        parts.append(chunk)
        read += len(chunk)
        if read > limits.max_file_bytes:
            raise ValidationError({"file": limits.file_too_big(read)})
    uploaded.seek(0)
    return b"".join(parts)


def _limits_check(filing: Filing, kind: str, size: int, limits: UploadLimits) -> Attachment | None:
    """Refuse what would take the filing past its limits; returns the file it replaces."""
    count, total = selectors.attachment_usage(filing=filing)
    replaced = None
    if kind != Attachment.Kind.OTHER:
        replaced = filing.attachments.filter(kind=kind).first()
    if replaced is not None:
        count, total = count - 1, total - replaced.size
    try:
        limits.check_filing(count=count, total=total, size=size)
    except ValidationError as refused:
        raise ValidationError({"file": refused.messages}) from None
    return replaced


def attachment_add(
    *,
    filing: Filing,
    acting_user: User,
    kind: str,
    uploaded: UploadedFile,
    request: HttpRequest | None = None,
) -> Attachment:
    """Store an attachment with the revision it belongs to (the current one).

    A required kind replaces the current file of that kind; the earlier file is kept,
    marked replaced, so officers can still see what was sent before. Allowed while the
    enterprise can still change what it sends (see ``Action.ATTACH``), within the
    per-filing limits (settings.ATTACHMENT_*).

    The content decides (tradereg.common.uploads): a PDF with active content, an image
    that does not decode or anything else is refused, and the refusal is recorded
    (``attachment_refused``); images are stored re-encoded, so the size and SHA-256 on
    record are those of the clean bytes. The file is written before the transaction,
    so no database lock waits on storage, and removed again if its row is not
    committed: a refusal, a lost race or a full disk leaves neither a file without its
    row nor a row without its file.
    """
    limits = UploadLimits.from_settings()
    size = uploaded.size or 0
    if size > limits.max_file_bytes:
        raise ValidationError({"file": limits.file_too_big(size)})
    if not may_act(Actor.OWNER, filing, acting_user):
        raise PermissionDenied
    if not allows(TRANSITIONS[Action.ATTACH], filing):
        raise TransitionNotAllowed(refusal_for(Action.ATTACH, filing))
    content = _read_whole(uploaded, limits)
    try:
        clean = uploads.sanitise(content, max_pixels=limits.max_pixels)
    except ValidationError as refused:
        audit_record(
            event="attachment_refused",
            actor=acting_user,
            filing=filing,
            request=request,
            kind=kind,
            name=(uploaded.name or "")[-200:],
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            reason=refused.code or "",
        )
        raise ValidationError({"file": refused.messages}) from None
    if len(clean.content) > limits.max_file_bytes:
        raise ValidationError({"file": limits.file_too_big(len(clean.content))})
    _limits_check(filing, kind, len(clean.content), limits)

    attachment = Attachment(
        filing=filing,
        kind=kind,
        original_name=clean.name_for(uploaded.name or kind)[-200:],
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=hashlib.sha256(clean.content).hexdigest(),
        uploaded_by=acting_user,
    )
    stored_name = files.file_store(attachment=attachment, clean=clean)
    attachment.file.name = stored_name
    stored: dict[str, Any] = {}
    audit_data: dict[str, Any] = {"kind": kind}

    def write(locked: Filing) -> None:
        # Checked again under the lock: two uploads at once cannot pass the limits together.
        replaced = _limits_check(locked, kind, attachment.size, limits)
        if replaced is not None:
            replaced.replaced_at = timezone.now()
            replaced.save(update_fields=["replaced_at"])
        attachment.filing = locked
        attachment.revision = locked.revision
        attachment.save()
        stored.update(replaced=replaced)
        audit_data.update(
            name=attachment.original_name, size=attachment.size, sha256=attachment.sha256
        )

    try:
        transition_apply(
            action=Action.ATTACH,
            filing=filing,
            user=acting_user,
            write=write,
            request=request,
            audit_event=lambda: "attachment_replaced" if stored["replaced"] else "attachment_added",
            audit_data=audit_data,
        )
    except BaseException:
        files.file_discard(attachment=attachment, name=stored_name)
        raise
    return attachment


def attachment_delete(
    *, attachment: Attachment, acting_user: User, request: HttpRequest | None = None
) -> None:
    """Remove an attachment before the filing is reported.

    A file that has gone to the authority with a report stays on record (marked removed);
    one that never left the enterprise is deleted, its file after commit.
    """

    def write(locked: Filing) -> None:
        was_sent = any(
            attachment.pk in event.attachment_ids
            for event in locked.events.filter(kind="reported").only("attachment_ids")
        )
        if was_sent:
            attachment.replaced_at = timezone.now()
            attachment.save(update_fields=["replaced_at"])
            return
        name = attachment.file.name or ""
        attachment.delete()
        transaction.on_commit(lambda: files.file_discard(attachment=attachment, name=name))

    transition_apply(
        action=Action.DETACH,
        filing=attachment.filing,
        user=acting_user,
        write=write,
        request=request,
        audit_event="attachment_deleted",
        audit_data={"kind": attachment.kind, "name": attachment.original_name},
    )
