"""What /healthz checks: each dependency a web process needs, one line each.

A check answers ``ok``, ``degraded`` (working, but an operator should look) or
``unavailable`` (this process cannot serve: the load balancer takes it out). Nothing of
the data and no error text goes into an answer; failures are logged here instead.
"""

import functools
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.db.models import Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from tradereg.common.replica import REPLICA, replica_retry_now

logger = logging.getLogger(__name__)

OK, DEGRADED, UNAVAILABLE = "ok", "degraded", "unavailable"


@dataclass(frozen=True)
class Check:
    name: str
    state: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.name}: {self.state}" + (f" ({self.detail})" if self.detail else "")


def _guarded(name: str, probe: Callable[[], Check]) -> Check:
    """Run one probe; any exception means the dependency is unavailable (logged)."""
    try:
        return probe()
    except Exception:  # noqa: BLE001 - whatever broke, the answer is the same
        logger.warning("healthz: %s unavailable", name, exc_info=True)
        return Check(name, UNAVAILABLE)


def database_checks() -> list[Check]:
    """``SELECT 1`` on every configured database. The replica down is ``degraded``: the
    public pages read the primary meanwhile (tradereg.common.replica), so taking every web
    host out of the load balancer for it would turn a lost standby into an outage."""

    def probe(alias: str) -> Check:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        if alias == REPLICA:
            replica_retry_now()  # back: the public reads return to it at once
        return Check(f"database {alias}", OK)

    checks = [
        _guarded(f"database {alias}", functools.partial(probe, alias)) for alias in connections
    ]
    return [
        Check(check.name, DEGRADED, "public reads on the primary")
        if check.name == f"database {REPLICA}" and check.state == UNAVAILABLE
        else check
        for check in checks
    ]


def cache_checks() -> list[Check]:
    """Set and read back a key on every cache that is not a database table (those live in
    the database, checked above, and a probe every few seconds would write to it)."""

    def probe(alias: str) -> Check:
        cache = caches[alias]
        key = f"healthz:{os.getpid()}:{secrets.token_hex(4)}"
        value = secrets.token_hex(8)
        cache.set(key, value, timeout=10)
        try:
            read = cache.get(key)
        finally:
            cache.delete(key)
        if read != value:
            logger.warning("healthz: cache %s did not return what was set", alias)
            return Check(f"cache {alias}", UNAVAILABLE)
        return Check(f"cache {alias}", OK)

    return [
        _guarded(f"cache {alias}", functools.partial(probe, alias))
        for alias in settings.CACHES
        if not isinstance(caches[alias], DatabaseCache)
    ]


def storage_check() -> Check:
    """Attachments can be stored: the local folder is writable (nothing written), or the
    S3 bucket answers a HEAD request."""

    def probe() -> Check:
        storage = storages["default"]
        if isinstance(storage, FileSystemStorage):
            folder = Path(storage.location)
            # The folder is made on the first upload: until then its parent must take it.
            while not folder.exists() and folder != folder.parent:
                folder = folder.parent
            if not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
                logger.warning("healthz: media folder %s is not writable", folder)
                return Check("storage", UNAVAILABLE)
            return Check("storage", OK)
        bucket = getattr(storage, "bucket_name", None)
        if bucket is not None:
            client = storage.connection.meta.client  # type: ignore[attr-defined]
            client.head_bucket(Bucket=bucket)
        else:
            storage.exists("healthz")
        return Check("storage", OK)

    return _guarded("storage", probe)


def oldest_ready_task_age(*, now: datetime | None = None) -> float:
    """Seconds the oldest task due to run has waited (0 when none waits): since it was
    enqueued, or since its ``run_after`` for one that was scheduled (a retry's backoff)."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    waiting = [
        ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"],
        ready.filter(run_after__lte=now).aggregate(at=Min("run_after"))["at"],
    ]
    oldest = min((at for at in waiting if at is not None), default=None)
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def queue_check() -> Check:
    """Workers keep up: the oldest due task is younger than HEALTHZ_QUEUE_MAX_AGE_SECONDS.
    Older means ``degraded``, not unavailable: the web process itself can serve, and taking
    every web host out because the workers lag would turn late mail into an outage."""

    def probe() -> Check:
        age = oldest_ready_task_age()
        limit = settings.HEALTHZ_QUEUE_MAX_AGE_SECONDS
        state = DEGRADED if age > limit else OK
        return Check("queue", state, f"oldest {age:.0f} s, limit {limit} s")

    return _guarded("queue", probe)


def health_checks() -> list[Check]:
    return [*database_checks(), *cache_checks(), storage_check(), queue_check()]


def overall(checks: list[Check]) -> str:
    states = {check.state for check in checks}
    if UNAVAILABLE in states:
        return UNAVAILABLE
    return DEGRADED if DEGRADED in states else OK
