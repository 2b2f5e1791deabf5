"""Writes of the office workspace that are not a filing's transition: the import upload."""

import secrets
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.office.models import LegacyImport
from tradereg.office.tasks import legacy_import_task

UPLOAD_NAME = "imports/{token}/upload{suffix}"


def legacy_import_upload(
    *, uploaded: UploadedFile, dry_run: bool, acting_user: User, request: HttpRequest | None = None
) -> LegacyImport:
    """Keep an uploaded register file in private storage and queue its import.

    The job, its audit event and the task are committed together, so the worker never
    sees a job without its file nor a file without a task. Only a 系统管理员 may; the
    view refuses everyone else before this is called.
    """
    if acting_user.role != User.Role.SYSTEM_ADMIN:
        raise PermissionError("only a 系统管理员 imports the legacy register")
    token = secrets.token_urlsafe(16)
    name = PurePath(uploaded.name or "upload").name[:200]
    suffix = (
        PurePath(name).suffix.lower() if PurePath(name).suffix.lower() in (".csv", ".xlsx") else ""
    )
    job = LegacyImport(token=token, created_by=acting_user, original_name=name, dry_run=dry_run)
    job.file.save(UPLOAD_NAME.format(token=token, suffix=suffix), uploaded, save=False)
    with transaction.atomic():
        job.save()
        audit_record(
            event="legacy_import_uploaded",
            actor=acting_user,
            request=request,
            object_type="legacy_import",
            object_id=token,
            file_name=name,
            size=uploaded.size,
            dry_run=dry_run,
        )
        legacy_import_task.enqueue(job.pk)
    return job
