"""`manage.py disable_dormant_staff`: run daily by a timer (deploy/README.md)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.accounts import security
from tradereg.accounts.tasks import dormant_staff_disable_task


class Command(BaseCommand):
    help = _("停用90天未登录的工作人员和管理员账号")

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("交给后台任务进程执行，而不是在本进程中执行"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = dormant_staff_disable_task.enqueue()
            self.stdout.write(_("已加入后台任务：%(id)s") % {"id": result.id})
            return
        disabled = security.dormant_staff_disable()
        for username in disabled:
            self.stdout.write(_("已停用：%(name)s") % {"name": username})
        self.stdout.write(
            _("共停用 %(n)d 个账号（%(days)d天未登录）。")
            % {"n": len(disabled), "days": security.DORMANT_DAYS}
        )
