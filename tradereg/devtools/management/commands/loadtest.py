"""`make loadtest`: requests per second over real HTTP, production server setup, beside a
bare view served by the same server in the same run (tradereg.devtools.loadtest).

Works on a separate database, never the main one: SQLite ``<DATA_DIR>/loadtest.sqlite3``
by default, or ``--database-url`` / ``LOADTEST_DATABASE_URL``. Runs each mode in turn:
``embedded`` (no REDIS_URL) and ``redis`` (REDIS_URL from the environment, else a private
redis-server on a free port, nothing persisted).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dj_database_url
import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tradereg.common.crypto import key_generate
from tradereg.core.serving import gunicorn_argv
from tradereg.devtools import loadtest

CHILD_FLAG = "TRADEREG_LOADTEST_CHILD"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "以生产配置启动网站，用 wrk 测量首页、代码查询和两字名称查询的每秒请求数（与裸视图对比）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url",
            default=os.environ.get("LOADTEST_DATABASE_URL", ""),
            help="load-test database (default: sqlite:///<DATA_DIR>/loadtest.sqlite3)",
        )
        parser.add_argument("--operators", type=int, default=5_000, help="generated operators")
        parser.add_argument("--seconds", type=int, default=10, help="wrk run per endpoint")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=1, help="wrk threads")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
        parser.add_argument("--modes", default="embedded,redis", help="embedded, redis or both")
        parser.add_argument("--prepare-only", action="store_true", help="only build the data")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(settings.DATA_DIR) / "loadtest"
        url = options["database_url"] or f"sqlite:///{Path(settings.DATA_DIR) / 'loadtest.sqlite3'}"
        if os.environ.get(CHILD_FLAG) == "1":
            if not loadtest.same_database(
                dj_database_url.parse(url), settings.DATABASES["default"]
            ):
                raise CommandError("child process is not connected to the load-test database")
            # The parent made DATA_DIR the load-test folder for this process.
            self._prepare(Path(settings.DATA_DIR), options["operators"])
            return
        if loadtest.same_database(dj_database_url.parse(url), settings.DATABASES["default"]):
            raise CommandError("压力测试数据库不能是主数据库，请指定另一个 --database-url。")
        modes = [mode.strip() for mode in options["modes"].split(",") if mode.strip()]
        if not set(modes) <= {"embedded", "redis"}:
            raise CommandError("--modes 只能是 embedded、redis 或两者。")
        wrk = shutil.which("wrk")
        if wrk is None and not options["prepare_only"]:
            raise CommandError("没有找到 wrk（Debian 软件包 wrk）。")
        folder.mkdir(parents=True, exist_ok=True)
        field_key = self._field_key(folder)
        self._run_child(url, folder, field_key, options["operators"])
        if options["prepare_only"]:
            return
        results = {}
        for mode in modes:
            results[mode] = self._measure_mode(mode, url, folder, field_key, wrk, options)
        self._report(results, options)

    # --- data ---------------------------------------------------------------------------

    @staticmethod
    def _field_key(folder: Path) -> str:
        """One field-encryption key for the data and every server run over it."""
        path = folder / "field_encryption_key"
        if not path.exists():
            path.write_text(key_generate())
            path.chmod(0o600)
        return path.read_text().strip()

    def _run_child(self, url: str, folder: Path, field_key: str, operators: int) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DATA_DIR": str(folder),
            "FIELD_ENCRYPTION_KEY": field_key,
            CHILD_FLAG: "1",
        }
        env.pop("REDIS_URL", None)
        env.setdefault("DJANGO_SETTINGS_MODULE", "tradereg.settings")
        argv = [sys.executable, "-m", "django", "loadtest", "--database-url", url]
        argv += ["--operators", str(operators)]
        if subprocess.call(argv, env=env):  # noqa: S603 - our own command
            raise CommandError("preparing the load-test database failed")

    def _prepare(self, folder: Path, operators: int) -> None:
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("demo_data", if_empty=True, stdout=self.stdout)
        added = loadtest.generated_operators_ensure(count=operators, log=self._log)
        disabled = loadtest.demo_accounts_disable()
        written = loadtest.query_files_write(folder=folder)
        self._log(
            f"数据就绪（{time.perf_counter() - started:.0f} 秒）：新生成 {added:,} 个经营者；"
            f"停用演示账号 {disabled} 个（生产模式拒绝演示密码）；"
            f"不同的查询：代码 {written['code']:,} 个，两字名称 {written['name']:,} 个。"
        )

    def _log(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    # --- measuring ----------------------------------------------------------------------

    def _measure_mode(
        self, mode: str, url: str, folder: Path, field_key: str, wrk: str, options: dict
    ) -> dict[str, loadtest.Measurement]:
        env = {
            **os.environ,
            **loadtest.production_env(database_url=url, data_dir=folder, field_key=field_key),
        }
        env.pop("REDIS_URL", None)
        redis = None
        if mode == "redis":
            redis_url = os.environ.get("REDIS_URL")
            if not redis_url:
                redis = _PrivateRedis.start()
                redis_url = redis.url
            env["REDIS_URL"] = redis_url
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - fixed argument list
            gunicorn_argv(host="127.0.0.1", port=port, workers=options["workers"]),
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            health = loadtest.wait_until_healthy(base_url)
            checks = " · ".join(health.splitlines())
            self._log(f"\n== {mode}: gunicorn {base_url}，/healthz：{checks}")
            scripts = {}
            for name, _label, paths in loadtest.ENDPOINTS:
                path_file = str(folder / paths) if paths else ""
                scripts[name] = loadtest.wrk_script_write(folder=folder, name=name, paths=path_file)
            run = {
                "wrk": wrk,
                "base_url": base_url,
                "connections": options["connections"],
                "threads": options["threads"],
            }
            for name in scripts:  # warm up every worker's templates, caches and connections
                loadtest.wrk_run(script=scripts[name], name=name, seconds=2, **run)
            measured = {}
            for name, label, _paths in loadtest.ENDPOINTS:
                measured[name] = loadtest.wrk_run(
                    script=scripts[name], name=name, seconds=options["seconds"], **run
                )
                m = measured[name]
                self._log(
                    f"  {label}: {m.per_second:,.0f} req/s, p99 {m.p99_ms:.1f} ms, 错误 {m.errors}"
                )
            return measured
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if redis is not None:
                redis.stop()

    def _report(self, results: dict[str, dict[str, loadtest.Measurement]], options: dict) -> None:
        cores = os.cpu_count()
        lines = [
            "",
            f"make loadtest — gunicorn gthread {options['workers']}×4, TRADEREG_ENV=production, "
            f"DEBUG off; wrk -t{options['threads']} -c{options['connections']} "
            f"-d{options['seconds']}s on the same machine ({cores} CPUs)",
            f"客户端地址：{loadtest.CLIENT_ADDRESSES:,} 个（X-Forwarded-For，"
            "经受信任的代理 127.0.0.1）；限流照常生效，未放宽。",
            "",
            "| mode | page | req/s | × bare | target | p99 ms | errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        missed = []
        for mode, measured in results.items():
            bare = measured["bare"].per_second or 1.0
            for name, label, _paths in loadtest.ENDPOINTS:
                m = measured[name]
                ratio = m.per_second / bare
                target = loadtest.TARGETS.get(name)
                mark = ""
                if target is not None:
                    mark = f"≥ {target:.0%}" + (" ✓" if ratio >= target else " ✗")
                    if ratio < target:
                        missed.append(f"{mode} {name}")
                lines.append(
                    f"| {mode} | {label} | {m.per_second:,.0f} | {ratio:.2f} | {mark} | "
                    f"{m.p99_ms:.1f} | {m.errors} |"
                )
        lines.append("")
        lines.append("未达标：" + "、".join(missed) if missed else "全部达标。")
        self._log("\n".join(lines))


class _PrivateRedis:
    """A redis-server for one mode's run: free port, temporary folder, nothing saved."""

    def __init__(self, process: subprocess.Popen, port: int, folder: tempfile.TemporaryDirectory):
        self.process, self.port, self.folder = process, port, folder
        self.url = f"redis://127.0.0.1:{port}/0"

    @classmethod
    def start(cls) -> "_PrivateRedis":
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.access(binary, os.X_OK):
            raise CommandError(
                "没有找到 redis-server（Debian 软件包 redis-server），或设置 REDIS_URL。"
            )
        folder = tempfile.TemporaryDirectory(prefix="tradereg-loadtest-redis-")
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder.name,
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return cls(process, port, folder)
            except redis.ConnectionError:
                time.sleep(0.05)
        process.kill()
        raise CommandError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.folder.cleanup()
