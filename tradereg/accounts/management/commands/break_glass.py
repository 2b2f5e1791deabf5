"""Create an emergency superuser that expires by itself; audited.

    manage.py break_glass --username ops-0412 --hours 2 --reason "恢复误删的机关" < password

The password is read from standard input (never from the command line, where the shell
history and the process list would keep it).
"""

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tradereg.accounts.services import BREAK_GLASS_MAX_HOURS, break_glass_create


class Command(BaseCommand):
    help = _("创建限时的应急超级管理员账户（记入审计记录）")

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--hours", type=int, default=2, help=f"1–{BREAK_GLASS_MAX_HOURS}")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if sys.stdin.isatty():
            password = getpass.getpass(_("应急账户密码："))
        else:
            password = sys.stdin.readline().rstrip("\n")
        try:
            user = break_glass_create(
                username=options["username"],
                password=password,
                hours=options["hours"],
                reason=options["reason"],
                operator=getpass.getuser(),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _("应急账户 %(u)s 已创建，有效期至 %(t)s。")
            % {"u": user.username, "t": user.expires_at.isoformat(timespec="minutes")}
        )
