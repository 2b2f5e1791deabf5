"""Which database a read goes to when DATABASE_REPLICA_URL is set (decision 0022).

The router is asked directly, with a ``replica`` alias declared but never connected to;
the hot standby itself is exercised by test_replica_standby.py.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from tradereg.accounts.models import User
from tradereg.common.replica import replica_retry_now
from tradereg.conftest import free_port
from tradereg.core.dbrouter import (
    PUBLIC_VIEWS,
    REPLICA,
    PublicReadsMiddleware,
    ReplicaRouter,
    public_reads,
    public_reads_active,
    read_alias,
)
from tradereg.filings.models import Filing
from tradereg.notifications.tests.processes import ROOT
from tradereg.registry.models import OperatorNameGram, PublishedForm, PublishedOperator
from tradereg.registry.tests.helpers import published

REGISTRY_MODELS = [PublishedOperator, OperatorNameGram, PublishedForm]
ROUTER = ReplicaRouter()

PUBLIC_PATHS = [
    "/operators/",
    "/operators/1/",
    "/print/",
    "/print/1/",
    "/print/1/front.pdf",
    "/print/1/back.pdf",
    "/verify/",
    "/verify/ABCDE12345/",
]
# The enterprise's and the staff's own pages, and public pages that are no registry read.
OTHER_PATHS = [
    "/",
    "/healthz",
    "/accounts/login/",
    "/filing/new/",
    "/my/",
    "/filing/1/application-form/",
    "/filing/1/application-form/front.pdf",
    "/office/",
    "/forms/blank/",
    "/regulations/",
]


@pytest.fixture
def replica_declared(django_db_blocker):
    """A ``replica`` alias in the connection settings, as DATABASE_REPLICA_URL adds it,
    reaching the test database (``read_alias`` connects to see that it is up)."""
    connections.settings[REPLICA] = {**connections.settings[DEFAULT_DB_ALIAS]}
    replica_retry_now()
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda model: model.__name__)
def test_registry_reads_of_a_public_page_go_to_the_replica(replica_declared, model):
    with public_reads():
        assert ROUTER.db_for_read(model) == REPLICA
    assert ROUTER.db_for_read(model) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize("model", [Filing, User], ids=lambda model: model.__name__)
def test_other_reads_of_a_public_page_stay_on_default(replica_declared, model):
    with public_reads():
        assert ROUTER.db_for_read(model) == DEFAULT_DB_ALIAS


def test_without_a_replica_every_read_stays_on_default():
    assert REPLICA not in connections.settings
    with public_reads():
        assert read_alias(PublishedOperator) == DEFAULT_DB_ALIAS


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_write_transaction_stays_on_default(replica_declared, settings):
    settings.DATABASE_ROUTERS = ["tradereg.core.dbrouter.ReplicaRouter"]
    with public_reads():
        assert PublishedOperator.objects.all().db == REPLICA
        with transaction.atomic():
            assert PublishedOperator.objects.all().db == DEFAULT_DB_ALIAS
            assert ROUTER.db_for_read(OperatorNameGram) == DEFAULT_DB_ALIAS
            # The transaction sees its own rows, as the approval reads what it wrote.
            assert PublishedOperator.objects.count() == 0
        assert PublishedOperator.objects.all().db == REPLICA


@pytest.mark.parametrize("model", [*REGISTRY_MODELS, Filing], ids=lambda model: model.__name__)
def test_writes_go_to_default_even_for_a_row_read_from_the_replica(replica_declared, model):
    row = model()
    row._state.db = REPLICA
    with public_reads():
        assert ROUTER.db_for_write(model, instance=row) == DEFAULT_DB_ALIAS


def test_migrations_run_on_default_only():
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "registry") is True
    assert ROUTER.allow_migrate(REPLICA, "registry") is False
    assert ROUTER.allow_migrate(REPLICA, "filings") is False


def _public_during(path: str) -> bool:
    """Whether the middleware marks the request for ``path`` as a public registry read
    while its view runs (the handler resolves the URL and calls process_view)."""
    seen = []

    def view_stage(request):
        request.resolver_match = resolve(request.path_info)
        middleware.process_view(request, request.resolver_match.func, (), {})
        seen.append(public_reads_active())
        return HttpResponse()

    middleware = PublicReadsMiddleware(view_stage)
    middleware(RequestFactory().get(path))
    assert not public_reads_active(), "the mark outlived the response"
    return seen[0]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_public_registry_pages_read_the_replica(path):
    assert _public_during(path)


@pytest.mark.parametrize("path", OTHER_PATHS)
def test_the_enterprise_and_staff_pages_never_read_the_replica(path):
    assert not _public_during(path)


def test_every_public_view_listed_is_a_url_of_the_project():
    assert {resolve(path).view_name for path in PUBLIC_PATHS} == PUBLIC_VIEWS


def test_without_the_variable_nothing_changes():
    if os.environ.get("DATABASE_REPLICA_URL"):
        pytest.skip("this run has a replica configured")
    assert REPLICA not in django_settings.DATABASES
    assert django_settings.DATABASE_ROUTERS == []
    assert "tradereg.core.dbrouter.PublicReadsMiddleware" not in django_settings.MIDDLEWARE


def _settings_with(**env: str) -> subprocess.CompletedProcess:
    script = (
        "import json; from tradereg import settings as s; print(json.dumps("
        "[s.DATABASES['replica'], s.DATABASE_ROUTERS, s.MIDDLEWARE[0]], default=str))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATA_DIR": str(django_settings.DATA_DIR), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_replica_url_adds_the_alias_router_and_middleware():
    done = _settings_with(
        DATABASE_URL="postgres://tradereg:pw@db-primary:5432/tradereg",
        DATABASE_REPLICA_URL="postgres://tradereg:pw@db-replica:5432/tradereg",
    )
    assert done.returncode == 0, done.stderr
    replica, routers, first_middleware = json.loads(done.stdout)
    assert (replica["HOST"], replica["NAME"]) == ("db-replica", "tradereg")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert routers == ["tradereg.core.dbrouter.ReplicaRouter"]
    assert first_middleware == "tradereg.core.dbrouter.PublicReadsMiddleware"


def test_the_replica_url_is_refused_unless_both_databases_are_postgresql():
    done = _settings_with(
        DATABASE_URL="sqlite:///tmp/x.sqlite3",
        DATABASE_REPLICA_URL="postgres://tradereg:pw@db-replica:5432/tradereg",
    )
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in done.stderr


REPLICA_DOWN_SCRIPT = """
import django; django.setup()
from django.db import connections
from django.test import Client
from tradereg.common.replica import public_reads
from tradereg.registry import selectors
from tradereg.registry.models import PublishedOperator
with public_reads():
    by_code = selectors.operator_search(query=CODE)
    by_name = selectors.operator_search(query="备用读取")
    orm_alias = PublishedOperator.objects.all().db
response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
print(json.dumps({
    "by_code": [row.pk for row in by_code.all_rows],
    "by_name": [row.pk for row in by_name.rows],
    "orm_alias": orm_alias,
    "status": response.status_code,
    "lines": response.content.decode().splitlines(),
}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_replica_down_leaves_the_public_reads_on_the_primary_and_healthz_degraded(tmp_path):
    """A process whose DATABASE_REPLICA_URL points at a port nobody listens on: the
    public reads use the primary, and /healthz says degraded (200), not unavailable —
    taking every web host out for a lost standby would be an outage. PostgreSQL only,
    as the replica is (settings refuse it on SQLite)."""
    default = connections.settings[DEFAULT_DB_ALIAS]
    if not default["ENGINE"].endswith("postgresql"):
        pytest.skip("the replica is a PostgreSQL standby; this runs in the PostgreSQL pass")
    operator = published(name_cn="备用读取贸易有限公司")
    url = "postgres://{USER}:{PASSWORD}@{HOST}:{port}/{NAME}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradereg.settings",
        "DATABASE_URL": url.format(**default, port=default["PORT"]),
        "DATABASE_REPLICA_URL": url.format(**default, port=free_port()),
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    script = "import json\nCODE = " + repr(operator.ie_code) + "\n" + REPLICA_DOWN_SCRIPT
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])

    assert result["by_code"] == [operator.pk]
    assert result["by_name"] == [operator.pk]
    assert result["orm_alias"] == DEFAULT_DB_ALIAS
    assert result["status"] == 200
    assert result["lines"][0] == "degraded"
    assert "database replica: degraded (public reads on the primary)" in result["lines"]
    assert "database default: ok" in result["lines"]
