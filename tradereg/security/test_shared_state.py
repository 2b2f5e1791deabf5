"""Shared state off the database (issue 10): no public GET writes to it, in the embedded
mode (lookups count in the process's memory) and with REDIS_URL (a real redis-server:
cache, rate limits and sessions on Redis).

With Redis, the lookups' rate limit counts across separate processes, sessions are read
from Redis and survive losing it (cached_db: written through to the database), and a
password change ends the other sessions in Redis too.
"""

import os
import re
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tradereg.accounts import ratelimit
from tradereg.filings.models import Status
from tradereg.filings.tests.factories import PASSWORD, make_filing
from tradereg.registry import views as registry_views
from tradereg.registry.models import PublishedOperator
from tradereg.security.redis_server import RedisServer, redis_caches

pytestmark = pytest.mark.usefixtures("reference_data")

ROOT = Path(__file__).resolve().parents[2]
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|CREATE|DROP|ALTER|TRUNCATE)\b", re.I)
ADDRESS = "198.51.100.7"
CACHED_DB = "django.contrib.sessions.backends.cached_db"


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer.start()
    yield server
    server.stop()


@pytest.fixture
def redis_mode(redis_server, settings):
    """The settings REDIS_URL gives, on an empty Redis."""
    redis_server.client().flushdb()
    settings.CACHES = redis_caches(redis_server.url)
    settings.SESSION_ENGINE = CACHED_DB
    return redis_server


@pytest.fixture(params=["embedded", "redis"])
def mode(request) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_mode")
    return request.param


@contextmanager
def statements_on_every_database():
    """Every statement sent to any configured database while the block runs."""
    with ExitStack() as stack:
        captured = [stack.enter_context(CaptureQueriesContext(connections[a])) for a in connections]
        sent: list[str] = []
        yield sent
    sent.extend(query["sql"] for context in captured for query in context.captured_queries)


def writes(statements: list[str]) -> list[str]:
    return [sql for sql in statements if WRITE.match(sql)]


@pytest.fixture
def published():
    filing = make_filing(status=Status.APPROVED)
    operator = PublishedOperator.objects.get(filing_id=filing.pk)
    return filing, operator


def public_lookups(filing, operator) -> dict[str, str]:
    name = operator.name_cn
    return {
        "home": "/",
        "code lookup": f"/operators/?q={operator.ie_code}",
        "uscc lookup": f"/operators/?q={operator.uscc.lower()}",
        "two-character name": f"/operators/?q={name[len(name) // 2 - 1 : len(name) // 2 + 1]}",
        "operator page": f"/operators/{operator.pk}/",
        "regulations": "/regulations/",
        "print page": "/print/",
        "printed form": f"/print/{filing.pk}/",
    }


def test_public_lookups_write_nothing_to_the_database(mode, published):
    filing, operator = published
    client = Client(REMOTE_ADDR=ADDRESS)
    # The print lookup itself is a POST (audited, and it remembers the find in the
    # session); opening the printed form afterwards is a GET like any other.
    revision = filing.approved_revision
    assert (
        client.post("/print/", {"number": filing.form_no, "code": revision.uscc}).status_code == 302
    )

    for label, url in public_lookups(filing, operator).items():
        with statements_on_every_database() as statements:
            response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        assert writes(statements) == [], label
        if "lookup" in label:
            assert statements, label  # the capture sees the database they read

    # The lookups were counted, in the cache.
    counted = caches[ratelimit.LOOKUPS].get(f"rl:registry:60:{ADDRESS}")
    assert counted == 4


def test_the_lookup_limit_still_refuses_without_writing(mode, published, monkeypatch):
    _filing, operator = published
    monkeypatch.setattr(registry_views, "RATE_LIMITS", ((2, 60), (300, 3600)))
    client = Client(REMOTE_ADDR=ADDRESS)
    for _ in range(2):
        assert client.get("/operators/", {"q": operator.ie_code}).status_code == 200
    with statements_on_every_database() as statements:
        response = client.get("/operators/", {"q": operator.ie_code})

    assert response.status_code == 429
    assert "每分钟最多查询2次" in response.content.decode()
    assert writes(statements) == []


# --- Redis: across processes -------------------------------------------------------------

LOOKUPS_SCRIPT = """
import sys
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=sys.argv[1])
codes = [client.get("/operators/", {"q": "华兴"}).status_code for _ in range(int(sys.argv[2]))]
print(" ".join(map(str, codes)))
"""


def _database_url() -> str:
    """The test database as a DATABASE_URL, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = f"{quote(db['USER'] or '', safe='')}:{quote(db['PASSWORD'] or '', safe='')}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def lookups_in_another_process(redis_url: str, count: int, tmp_path: Path) -> list[int]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradereg.settings",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url(),
        "DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", LOOKUPS_SCRIPT, ADDRESS, str(count)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [int(code) for code in done.stdout.split()]


def test_the_lookup_limit_counts_across_processes_sharing_redis(redis_mode, tmp_path):
    """Two web processes (REDIS_URL in their environment, as settings.py reads it) and
    this one share one count per address: 20 + 10 lookups pass, the 31st is refused."""
    per_minute = registry_views.RATE_LIMITS[0][0]
    assert per_minute == 30
    first = lookups_in_another_process(redis_mode.url, 20, tmp_path)
    second = lookups_in_another_process(redis_mode.url, 10, tmp_path)
    assert first == [200] * 20
    assert second == [200] * 10

    response = Client(REMOTE_ADDR=ADDRESS).get("/operators/", {"q": "华兴"})

    assert response.status_code == 429
    assert int(redis_mode.client().get(f"tradereg:1:rl:registry:60:{ADDRESS}")) == 31


def test_a_post_limit_counts_in_redis_too(redis_mode):
    """Login, registration, password reset: their limits count in Redis, not the table."""
    assert ratelimit.hit(key="probe:ip:203.0.113.1", limit=1, window_seconds=60)
    assert not ratelimit.hit(key="probe:ip:203.0.113.1", limit=1, window_seconds=60)
    assert int(redis_mode.client().get("tradereg:1:rl:probe:ip:203.0.113.1")) == 2


# --- Redis: sessions ---------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/my/").status_code == 200  # stamps the session's start
    return client


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def redis_key(key: str) -> str:
    return f"tradereg:1:django.contrib.sessions.cached_db{key}"


def test_sessions_are_read_from_redis_and_survive_losing_it(redis_mode):
    owner = make_filing(username="redis-clerk").owner
    client = logged_in(owner)
    key = session_key(client)
    assert redis_mode.client().exists(redis_key(key))

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/my/").status_code == 200
    assert not [q["sql"] for q in queries if "django_session" in q["sql"]]

    # Redis restarted empty: the session is still there (written through to the database)
    # and is back in Redis after one read.
    redis_mode.client().flushdb()
    assert client.get("/my/").status_code == 200
    assert redis_mode.client().exists(redis_key(key))


def test_a_password_change_ends_the_other_sessions_in_redis_too(redis_mode):
    owner = make_filing(username="redis-mover").owner
    here, elsewhere = logged_in(owner), logged_in(owner)
    kept, ended = session_key(here), session_key(elsewhere)
    new = "New#Pass2026"

    response = here.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert not redis_mode.client().exists(redis_key(ended))
    assert elsewhere.get("/my/").status_code == 302  # back to the login page
    assert here.get("/my/").status_code == 200
    assert redis_mode.client().exists(redis_key(session_key(here)))
    assert kept  # the changing session stays (its key may be cycled)
