"""Rows the task worker sends at least once (mail, webhook deliveries; decision 0018):
what is left when a worker dies, found and queued again.

Each outbox row is ``pending`` until sent, carries ``next_attempt_at`` and a
``lease_until`` taken by the attempt; its send task takes the row's id. A row that is due,
holds no live lease and has no task waiting for it has lost its task. Queuing one twice
does no harm (the send task takes the lease first), so this may run at any time, on any
number of workers.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Model, Q, QuerySet
from django_tasks_db.models import DBTaskResult

READY, RUNNING, FAILED = "READY", "RUNNING", "FAILED"


def tasks_named(module: str, name: str) -> QuerySet[DBTaskResult]:
    """The task results of ``module.name``."""
    return DBTaskResult.objects.filter(task_path=f"{module}.{name}")


def lost_requeue(
    *,
    rows: QuerySet[Model],
    module: str,
    send: str,
    sweep: str,
    enqueue: Callable[[int], object],
    lease: timedelta,
    lost_class_path: str,
    lost_note: str,
    now: datetime,
) -> list[int]:
    """Close the send and sweep tasks RUNNING longer than a lease (their worker is gone),
    then queue again each of ``rows`` (the pending ones) that is due, unleased and has no
    waiting ``send`` task. Returns the ids queued again."""
    DBTaskResult.objects.filter(
        task_path__in=[f"{module}.{send}", f"{module}.{sweep}"],
        status=RUNNING,
        started_at__lt=now - lease,
    ).update(
        status=FAILED, finished_at=now, exception_class_path=lost_class_path, traceback=lost_note
    )
    waiting = {
        args_kwargs["args"][0]
        for args_kwargs in tasks_named(module, send)
        .filter(status=READY)
        .values_list("args_kwargs", flat=True)
        if args_kwargs.get("args")
    }
    due = (
        rows.filter(next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .exclude(pk__in=waiting)
        .values_list("pk", flat=True)
    )
    queued = list(due)
    for pk in queued:
        enqueue(pk)
    return queued
