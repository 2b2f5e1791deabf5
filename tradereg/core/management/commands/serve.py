"""`make run`: the web server and the task worker together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tradereg.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tradereg.core.serving import gunicorn_argv


class Command(BaseCommand):
    help = "启动网站和后台任务进程"

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000")
        host = os.environ.get("HOST", "127.0.0.1")
        web = subprocess.Popen(  # noqa: S603 - fixed argument list
            gunicorn_argv(host=host, port=port, workers=os.environ.get("WEB_WORKERS", "2"))
        )
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "db_worker", "--interval", "1", "--no-startup-delay"]
        )
        self._banner(host, port)
        children = [web, worker]
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # Ctrl-C reaches the children too; wait for them quietly instead of twice.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [child.returncode for child in children if child.returncode not in (0, -15, None)]
        if failed:
            sys.exit(1)

    def _banner(self, host: str, port: str) -> None:
        lines = [
            "",
            f"对外贸易经营者备案登记系统 已启动：http://{host}:{port}/",
            f"数据库：{settings.DATABASES['default']['NAME']}",
            f"演示账号（密码均为 {DEMO_PASSWORD}）：",
            *(f"  {name:<16} {label}" for name, _role, _code, label in DEMO_ACCOUNTS),
            "  demo-enterprise  企业用户（北京市商务局已审核的备案）",
            "按 Ctrl-C 停止。",
            "",
        ]
        self.stdout.write("\n".join(lines))
