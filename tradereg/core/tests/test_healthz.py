"""/healthz for load balancers: one line per dependency, 503 when one is unavailable.

Each failure is real: a database server that refuses connections (in a process of its
own), a Redis port nobody listens on, a cache that keeps nothing, a media folder that
cannot be made, an S3 bucket that does not exist (moto's server), a queue left waiting.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tradereg.conftest import free_port
from tradereg.filings.tests.s3 import MotoS3

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def lines(response) -> list[str]:
    return response.content.decode().splitlines()


def state_of(response, name: str) -> str:
    """The state on the line of one check, e.g. ``cache default`` → ``ok``."""
    for line in lines(response)[1:]:
        if line.split(":")[0] == name:
            return line.split(":", 1)[1].split()[0]
    raise AssertionError(f"no line for {name!r} in {lines(response)}")


def queued_task(*, waited: timedelta, run_after=None) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tradereg.accounts.tasks.dormant_staff_disable_task",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


def test_healthz_answers_ok_for_load_balancers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert lines(response)[0] == "ok"
    assert {line.split(":")[0] for line in lines(response)[1:]} >= {
        "database default",
        "cache default",
        "storage",
        "queue",
    }
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


def test_a_database_that_refuses_connections_is_unavailable(tmp_path):
    """A process whose DATABASE_URL points at a port nobody listens on."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='127.0.0.1').get('/healthz')\n"
        "print(r.status_code); print(r.content.decode())\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradereg.settings",
        "DATABASE_URL": f"postgres://nobody:nothing@127.0.0.1:{free_port()}/none",
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    status, verdict, *checks = out.stdout.splitlines()

    assert (status, verdict) == ("503", "unavailable"), out.stderr
    assert "database default: unavailable" in checks
    assert "cache default: ok" in checks
    assert "nothing" not in out.stdout  # no connection details in the answer


def test_an_unreachable_redis_is_unavailable(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    response = client.get("/healthz")

    assert response.status_code == 503
    assert lines(response)[0] == "unavailable"
    assert state_of(response, "cache default") == "unavailable"
    assert state_of(response, "database default") == "ok"


def test_a_cache_that_keeps_nothing_is_unavailable(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    response = client.get("/healthz")

    assert response.status_code == 503
    assert state_of(response, "cache default") == "unavailable"


def test_the_probe_writes_nothing_to_the_database(client):
    """The embedded "shared" cache is a table: the database line covers it, and a load
    balancer polling every few seconds adds no writes."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert "cache shared" not in response.content.decode()
    assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []


def test_a_media_folder_that_cannot_be_made_is_unavailable(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    response = client.get("/healthz")

    assert response.status_code == 503
    assert state_of(response, "storage") == "unavailable"


def test_a_media_folder_not_made_yet_is_fine_while_its_parent_takes_it(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "not" / "yet")},
        },
    }
    response = client.get("/healthz")

    assert response.status_code == 200
    assert state_of(response, "storage") == "ok"
    assert not (tmp_path / "not").exists()


@pytest.fixture(scope="module")
def s3():
    server = MotoS3.start()
    yield server
    server.stop()


def test_an_s3_bucket_is_checked_with_a_head_request(client, settings, s3):
    settings.STORAGES = s3.storages(settings, s3.bucket())
    assert client.get("/healthz").status_code == 200

    settings.STORAGES = s3.storages(settings, "tradereg-no-such-bucket")
    response = client.get("/healthz")

    assert response.status_code == 503
    assert state_of(response, "storage") == "unavailable"
    assert "no-such-bucket" not in response.content.decode()


def test_a_queue_waiting_too_long_is_degraded_but_still_served(client, settings):
    settings.HEALTHZ_QUEUE_MAX_AGE_SECONDS = 300
    queued_task(waited=timedelta(seconds=30))
    assert state_of(client.get("/healthz"), "queue") == "ok"

    queued_task(waited=timedelta(minutes=20))
    response = client.get("/healthz")

    assert response.status_code == 200
    assert lines(response)[0] == "degraded"
    assert state_of(response, "queue") == "degraded"


def test_a_task_scheduled_for_later_or_finished_does_not_count(client, settings):
    settings.HEALTHZ_QUEUE_MAX_AGE_SECONDS = 300
    # A retry enqueued an hour ago, due in a minute: it is not late.
    queued_task(waited=timedelta(hours=1), run_after=timezone.now() + timedelta(minutes=1))
    done = queued_task(waited=timedelta(hours=2))
    DBTaskResult.objects.filter(pk=done.pk).update(status="SUCCESSFUL")

    response = client.get("/healthz")

    assert state_of(response, "queue") == "ok"
    assert lines(response)[0] == "ok"


def test_a_retry_counts_from_when_it_was_due(client, settings):
    settings.HEALTHZ_QUEUE_MAX_AGE_SECONDS = 300
    queued_task(waited=timedelta(hours=1), run_after=timezone.now() - timedelta(minutes=10))

    assert state_of(client.get("/healthz"), "queue") == "degraded"
