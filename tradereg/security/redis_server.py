"""A real redis-server (Debian's ``redis-server``) on a free loopback port, for tests.

Nothing is persisted (``--save ''``, no append-only file) and its directory is a temporary
one. Without the binary the tests skip, saying why; with ``CI`` set they fail instead, so
that CI never passes by skipping them.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_binary() -> str:
    """The redis-server to run; skips (or fails under CI) when there is none."""
    binary = REDIS_SERVER if os.access(REDIS_SERVER, os.X_OK) else shutil.which("redis-server")
    if binary:
        return binary
    reason = "redis-server is not installed (Debian package redis-server)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the Redis tests")
    pytest.skip(reason)


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int
    directory: tempfile.TemporaryDirectory

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    @classmethod
    def start(cls) -> "RedisServer":
        binary = redis_server_binary()
        directory = tempfile.TemporaryDirectory(prefix="tradereg-redis-")
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", directory.name, "--daemonize", "no",
                "--logfile", str(Path(directory.name) / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        server = cls(process=process, port=port, directory=directory)
        server._wait_until_ready()
        return server

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = Path(self.directory.name, "redis.log")
                raise RuntimeError(f"redis-server exited: {log.read_text()[-2000:]}")
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.directory.cleanup()


def redis_caches(url: str) -> dict:
    """settings.CACHES as settings.py builds them from REDIS_URL."""
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "tradereg",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    return {"default": cache, "shared": dict(cache)}
