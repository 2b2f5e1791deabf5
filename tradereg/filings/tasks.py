"""Background work of filings, run by the task worker (``manage.py db_worker``)."""

from django_tasks import task

from tradereg.filings.services.files import cancelled_attachments_purge


@task()
def cancelled_attachments_purge_task() -> list[int]:
    """Remove the files of filings cancelled longer ago than the retention period
    (see purge_cancelled_attachments)."""
    return cancelled_attachments_purge()
