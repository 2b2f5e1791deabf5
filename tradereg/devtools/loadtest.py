"""`make loadtest`: real HTTP requests per second through the production server setup.

The data step runs in a process connected to the load-test database only (the command
sees to that): migrate, the demo data, a few thousand generated operators, and the
queries wrk sends. The measuring step needs no database of its own: it starts gunicorn
exactly as ``manage.py serve`` does, with TRADEREG_ENV=production, and drives it with wrk
acting as the reverse proxy in front (X-Forwarded-For, X-Forwarded-Proto: https).
"""

import random
import re
import secrets
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from urllib.request import Request, urlopen

from django.db import transaction

from tradereg.accounts.models import User
from tradereg.core.demo_accounts import DEMO_ACCOUNTS, DEMO_ENTERPRISE
from tradereg.devtools import benchdata
from tradereg.registry import selectors
from tradereg.registry.models import PublishedOperator
from tradereg.registry.services import operator_postings_sync

BARE_PATH = "/loadtest-bare/"
# Distinct client addresses wrk cycles through: enough that no address nears the
# lookup limit (30 a minute, 300 an hour) in a run, few enough that every counter fits
# the embedded mode's per-process cache.
CLIENT_ADDRESSES = 16_384
TARGETS = {"home": 0.40, "code": 0.30, "name": 0.20}
# name, label, path file ("" for one fixed path)
ENDPOINTS = [
    ("bare", "裸视图 (bare view)", ""),
    ("home", "首页 /", ""),
    ("code", "代码查询 /operators/?q=<code>", "code.txt"),
    ("name", "两字名称查询 /operators/?q=<2 chars>", "name.txt"),
]
FIXED_PATHS = {"bare": BARE_PATH, "home": "/"}

# --- data (runs connected to the load-test database) ------------------------------------


def same_database(first: dict, second: dict) -> bool:
    """Whether two DATABASES entries are one database (the main one is never loaded)."""
    if first.get("ENGINE", "").endswith("sqlite3") and second.get("ENGINE", "").endswith("sqlite3"):
        return Path(str(first["NAME"])).resolve() == Path(str(second["NAME"])).resolve()
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(first.get(key) or "") == str(second.get(key) or "") for key in keys)


def generated_operators_ensure(*, count: int, log: Callable[[str], None]) -> int:
    """Add ``count`` generated published operators after the demo ones (once), with
    their name-search postings written by the registry's own service. Returns how many
    were added (0 when an earlier run did)."""
    generated = PublishedOperator.objects.filter(filing_id__gte=benchdata.FILING_ID_BASE)
    if generated.count() >= count:
        return 0
    log(f"生成 {count:,} 个经营者……")
    with transaction.atomic():
        generated.delete()
        first = (
            PublishedOperator.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        rows = benchdata.operator_rows(count=count, first_id=first, seed=2026)
        operators = [
            PublishedOperator(
                id=row[0] - benchdata.FILING_ID_BASE,
                **dict(zip(benchdata.COLUMNS, row, strict=True)),
            )
            for row in rows
        ]
        PublishedOperator.objects.bulk_create(operators, batch_size=1000)
        for operator in operators:
            operator_postings_sync(operator=operator)
    return count


def demo_accounts_disable() -> int:
    """Production refuses the published demo password (tradereg.E001): the load-test
    database keeps the accounts, switched off; the public pages need none."""
    names = [name for name, *_rest in DEMO_ACCOUNTS] + [DEMO_ENTERPRISE]
    return User.objects.filter(username__in=names).update(is_active=False)


def query_files_write(*, folder: Path, per_kind: int = 20_000, seed: int = 10) -> dict[str, int]:
    """The paths wrk sends, one per line: codes as people type them (the three kinds,
    some lower case or grouped) and two-character pieces of names, all of them lookups
    the search accepts. Returns how many of each."""
    rng = random.Random(seed)  # noqa: S311 - reproducible load, not secrets
    rows = list(PublishedOperator.objects.values_list("ie_code", "uscc", "org_code", "name_cn"))
    codes, names = [], []
    for ie_code, uscc, org_code, name_cn in rows:
        codes += [code for code in (ie_code, uscc, org_code) if code]
        names += [name_cn[i : i + 2] for i in range(len(name_cn) - 1)]
    rng.shuffle(codes)
    typed = [code.lower() if rng.random() < 0.3 else code for code in codes]
    names = [
        name for name in dict.fromkeys(names) if selectors.operator_query_problem(name) is None
    ]
    rng.shuffle(names)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind, queries in (("code", typed), ("name", names)):
        queries = (queries * (per_kind // max(len(queries), 1) + 1))[:per_kind]
        lines = [f"/operators/?q={quote(query)}" for query in queries]
        (folder / f"{kind}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written[kind] = len(set(lines))
    return written


# --- wrk --------------------------------------------------------------------------------

# Each thread walks its own part of the path file and of the address space; every
# request comes "from" the next client address, through the proxy wrk stands in for.
WRK_SCRIPT = r"""
local paths_file, addresses = "%(paths)s", %(addresses)d
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end
function init(args)
  paths = {}
  if paths_file ~= "" then
    for line in io.lines(paths_file) do paths[#paths + 1] = line end
  else
    paths[1] = "%(fixed)s"
  end
  step = id * 7919
  non2xx = 0
end
function request()
  step = step + 1
  local n = step %% addresses
  local path = paths[(step %% #paths) + 1]
  return wrk.format("GET", path, {
    ["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d",
      20 + math.floor(n / 65536), math.floor(n / 256) %% 256, n %% 256),
    ["X-Forwarded-Proto"] = "https",
  })
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    "TRADEREG requests=%%d duration_us=%%d non2xx=%%d socket=%%d p50_us=%%d p99_us=%%d\n",
    summary.requests, summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

RESULT = re.compile(
    r"TRADEREG requests=(\d+) duration_us=(\d+) non2xx=(\d+) socket=(\d+) p50_us=(\d+) p99_us=(\d+)"
)


@dataclass(frozen=True)
class Measurement:
    name: str
    requests: int
    seconds: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


def wrk_script_write(*, folder: Path, name: str, paths: str) -> Path:
    script = folder / f"{name}.lua"
    fixed = FIXED_PATHS.get(name, "/")
    script.write_text(
        WRK_SCRIPT % {"paths": paths, "addresses": CLIENT_ADDRESSES, "fixed": fixed},
        encoding="utf-8",
    )
    return script


def wrk_run(
    *,
    wrk: str,
    base_url: str,
    script: Path,
    name: str,
    seconds: int,
    connections: int,
    threads: int,
) -> Measurement:
    out = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [
            wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "10s", "-s", str(script), base_url,
        ],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    found = RESULT.search(out.stdout)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    requests_, duration, non2xx, socket, p50, p99 = (int(v) for v in found.groups())
    return Measurement(name, requests_, duration / 1e6, non2xx, socket, p50 / 1000, p99 / 1000)


# --- the server -------------------------------------------------------------------------


def production_env(*, database_url: str, data_dir: Path, field_key: str) -> dict[str, str]:
    """What TRADEREG_ENV=production needs, behind a proxy on this host (wrk plays it)."""
    return {
        "TRADEREG_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEY": field_key,
        "SITE_URL": "https://127.0.0.1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_PROXY": "1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "DATABASE_URL": database_url,
        # Persistent connections, as deploy/tradereg.env.example runs production: opening
        # one per request (the embedded default, 0) cost the pages most of their rate.
        "CONN_MAX_AGE": "60",
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "tradereg.devtools.loadtest_settings",
        "LOG_LEVEL": "WARNING",
    }


def wait_until_healthy(base_url: str, *, within: float = 60) -> str:
    """Poll /healthz as a load balancer would; its body once it answers 200."""
    deadline = time.monotonic() + within
    last = ""
    while time.monotonic() < deadline:
        probe = Request(f"{base_url}/healthz", headers={"X-Forwarded-Proto": "https"})  # noqa: S310 - our own loopback server
        try:
            with urlopen(probe, timeout=5) as answer:  # noqa: S310
                return answer.read().decode()
        except OSError as error:  # refused, reset, timed out, or an HTTP error (503)
            last = str(error)
        time.sleep(0.3)
    raise RuntimeError(f"the server did not become healthy: {last}")
