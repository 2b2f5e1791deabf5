"""`manage.py purge_cancelled_attachments`: run daily by a timer (deploy/README.md)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.filings.services.files import cancelled_attachments_purge
from tradereg.filings.tasks import cancelled_attachments_purge_task


class Command(BaseCommand):
    help = _("删除注销已超过保存期限的备案的附件文件（附件记录保留）")

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=_("交给后台任务进程执行，而不是在本进程中执行"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = cancelled_attachments_purge_task.enqueue()
            self.stdout.write(_("已加入后台任务：%(id)s") % {"id": result.id})
            return
        removed = cancelled_attachments_purge()
        days = settings.CANCELLED_ATTACHMENT_RETENTION_DAYS
        self.stdout.write(
            _("共删除 %(n)d 个附件文件（注销满 %(days)d 天）。") % {"n": len(removed), "days": days}
        )
