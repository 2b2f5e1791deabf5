"""Everything that changes a filing. Each transition is one function, in one transaction,
that locks the filing row, checks who may act, writes the revision/status and an audit
event, and queues the e-mail inside the same transaction (committed with it or not at all).
"""

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
from tradereg.filings import numbering
from tradereg.filings.attachments import sniff_content_type
from tradereg.filings.lifecycle import TRANSITIONS, Action, form_action_for, target_status
from tradereg.filings.models import Attachment, Filing, FilingRevision, Method, Status
from tradereg.notifications.services import email_enqueue

REVISION_FIELDS = (
    "name_cn",
    "name_en",
    "uscc",
    "org_code",
    "operator_type",
    "residence",
    "premises_cn",
    "premises_en",
    "phone",
    "fax",
    "postcode",
    "email",
    "registration_date",
    "registration_no",
    "representative",
    "id_type",
    "id_number",
    "capital",
    "currency",
    "capital_usd",
    "remarks",
)


class TransitionNotAllowed(Exception):
    """The filing's status does not allow the action; the message is for the user."""


def operator_code_for(*, method: str, data: dict[str, Any]) -> str:
    """The code that identifies the operator: one open filing per code.

    The 9-character organisation code is the identity under both methods (a USCC carries
    it at positions 9–17), so one operator cannot file twice by switching method. Only a
    个体工商户 without one is identified by its registration number.
    """
    if method == Method.USCC:
        return data["uscc"][8:17]
    return data.get("org_code") or data["registration_no"]


def _lock(filing: Filing) -> Filing:
    return Filing.objects.select_for_update().select_related("authority").get(pk=filing.pk)


def _check_owner(filing: Filing, user: User) -> None:
    if not user.is_authenticated or filing.owner_id != user.pk:
        raise PermissionDenied


def _check_officer(filing: Filing, user: User) -> None:
    if not (user.is_authenticated and user.is_officer and user.authority_id == filing.authority_id):
        raise PermissionDenied


def _check_transition(action: Action, filing: Filing) -> None:
    transition = TRANSITIONS[action]
    if filing.status not in transition.sources:
        raise TransitionNotAllowed(
            _("备案当前状态为“%(status)s”，不能%(action)s。")
            % {"status": filing.get_status_display(), "action": transition.label}
        )


def _ensure_code_free(*, code: str, method: str, exclude: Filing | None = None) -> None:
    others = Filing.objects.filter(operator_code=code).exclude(status=Status.CANCELLED)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        field = "uscc" if method == Method.USCC else "org_code"
        raise ValidationError(
            {
                field: _(
                    "该经营者已办理备案登记。请使用原账号登录后办理变更；"
                    "没有账号的，请联系备案登记机关开通用户。"
                )
            }
        )


def _revision_write(
    *,
    filing: Filing,
    kind: str,
    user: User | None,
    authority: Authority,
    method: str,
    data: dict[str, Any],
) -> FilingRevision:
    last = filing.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    values = {field: data.get(field, "") for field in REVISION_FIELDS}
    return FilingRevision.objects.create(
        filing=filing,
        number=last + 1,
        kind=kind,
        created_by=user,
        authority=authority,
        method=method,
        **values,
    )


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
        _ensure_code_free(code=code, method=method)
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
            _ensure_code_free(code=code, method=method)
            raise exc
        revision = _revision_write(
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
        filing = _lock(filing)
        _check_owner(filing, acting_user)
        action = form_action_for(filing.status)
        if action is None:
            _check_transition(Action.SAVE, filing)
        method = filing.current_revision.method
        code = operator_code_for(method=method, data=data)
        _ensure_code_free(code=code, method=method, exclude=filing)
        revision = _revision_write(
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
        filing = _lock(filing)
        _check_owner(filing, acting_user)
        if filing.status == Status.REPORTED:
            return filing
        _check_transition(Action.REPORT, filing)
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


def filing_approve(
    *, filing: Filing, acting_user: User, request: HttpRequest | None = None
) -> Filing:
    """审核通过: the reported revision becomes the approved one and is published.

    On first approval the 备案登记表编号 and 进出口企业代码 are assigned; later approvals of
    changes keep them.
    """
    from tradereg.registry.services import registry_publish

    with transaction.atomic():
        filing = _lock(filing)
        _check_officer(filing, acting_user)
        _check_transition(Action.APPROVE, filing)
        revision = filing.current_revision
        if not filing.form_no:
            filing.form_no = numbering.form_no_next()
        if not filing.ie_code:
            filing.ie_code = ie_code_for(authority=filing.authority, revision=revision)
        filing.status = Status.APPROVED
        filing.approved_revision = revision
        filing.approved_at = timezone.now()
        filing.save()
        registry_publish(filing=filing)
        audit_record(
            event="filing_approved",
            actor=acting_user,
            filing=filing,
            request=request,
            revision=revision.number,
            form_no=filing.form_no,
        )
        if filing.owner is not None:
            email_enqueue(
                to=revision.email,
                template="filings/emails/filing_approved",
                context={"filing": filing, "revision": revision},
            )
    return filing


def ie_code_for(*, authority: Authority, revision: FilingRevision) -> str:
    """FORM.md: region prefix of the authority + the 9-character organisation code."""
    if revision.uscc:
        org = revision.uscc[8:17]
    elif revision.org_code:
        org = revision.org_code
    else:
        org = revision.registration_no[-9:]
    return authority.ie_code_prefix + org


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
        filing = _lock(filing)
        _check_owner(filing, acting_user)
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
        filing = _lock(attachment.filing)
        _check_owner(filing, acting_user)
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


LEGACY_CUTOFF_YEAR_MONTH = (2016, 12)


def filing_import(
    *,
    authority: Authority,
    method: str,
    data: dict[str, Any],
    approved_at,
    acting_user: User | None = None,
) -> Filing:
    """Import an already approved filing without an owner (legacy records, demo data).

    Assigns 系统编号, 备案登记表编号 and 进出口企业代码 and publishes it to the registry,
    as an approval would. An officer later opens an account for it (开通用户).
    """
    from tradereg.registry.services import registry_publish

    code = operator_code_for(method=method, data=data)
    with transaction.atomic():
        _ensure_code_free(code=code, method=method)
        filing = Filing.objects.create(
            system_no=numbering.system_no_next(),
            authority=authority,
            status=Status.APPROVED,
            operator_code=code,
            form_no=numbering.form_no_next(),
            approved_at=approved_at,
            is_legacy=(approved_at.year, approved_at.month) < LEGACY_CUTOFF_YEAR_MONTH,
        )
        revision = _revision_write(
            filing=filing,
            kind=FilingRevision.Kind.IMPORT,
            user=acting_user,
            authority=authority,
            method=method,
            data=data,
        )
        filing.current_revision = filing.approved_revision = revision
        filing.ie_code = ie_code_for(authority=authority, revision=revision)
        filing.save()
        registry_publish(filing=filing)
        audit_record(
            event="filing_imported", actor=acting_user, filing=filing, form_no=filing.form_no
        )
    return filing
