"""Background work of the office: the legacy register import uploaded in the browser."""

import io
import tempfile

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from tradereg.filings.services.imports import ImportSummary, legacy_import
from tradereg.office.models import LegacyImport

REPORT_NAME = "imports/{token}/report.csv"


def _counts(summary: ImportSummary) -> dict[str, int]:
    return {
        "processed_rows": summary.rows,
        "created": summary.created,
        "present": summary.present,
        "differing": summary.differing,
        "invalid": summary.invalid,
        "problems": summary.problems,
    }


@task()
def legacy_import_task(job_id: int) -> str:
    """Run one uploaded import and keep its report beside the upload (private storage).

    Runs once: the job is claimed from 排队中 to 导入中 first, so a task delivered twice
    finds nothing to do. The counters are written after every batch for the progress bar.
    A worker that dies midway leaves the job 导入中 and the committed batches in place;
    uploading the file again finishes it (the import is idempotent).
    """
    claimed = LegacyImport.objects.filter(pk=job_id, status=LegacyImport.Status.QUEUED).update(
        status=LegacyImport.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = LegacyImport.objects.select_related("created_by").get(pk=job_id)
    jobs = LegacyImport.objects.filter(pk=job_id)

    def progress(summary: ImportSummary, total: int) -> None:
        jobs.update(total_rows=total, **_counts(summary))

    try:
        with tempfile.TemporaryFile() as raw:
            report = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            with job.file.storage.open(job.file.name, "rb") as source:
                summary = legacy_import(
                    source=source,
                    report=report,
                    dry_run=job.dry_run,
                    acting_user=job.created_by,
                    progress=progress,
                    file_name=job.original_name,
                )
            report.flush()
            raw.seek(0)
            job.report.save(REPORT_NAME.format(token=job.token), File(raw), save=False)
            report.detach()
    except Exception:
        jobs.update(
            status=LegacyImport.Status.FAILED,
            error=_("导入过程中出现错误，已提交的批次已保存；请重新上传同一文件继续导入。"),
            finished_at=timezone.now(),
        )
        raise
    jobs.update(
        status=LegacyImport.Status.FAILED if summary.fatal else LegacyImport.Status.DONE,
        error=summary.fatal,
        report=job.report.name,
        total_rows=summary.rows,
        finished_at=timezone.now(),
        **_counts(summary),
    )
    return "failed" if summary.fatal else "done"
