"""`manage.py mail_recover`: queue again the mail whose worker died, at once.

The workers do the same every minute by themselves (``email_sweep``); this is for an
operator after a crash, or for cron where no mail has been sent since.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.notifications.tasks import mail_recover


class Command(BaseCommand):
    help = _("重新排队因任务进程中断而未发送的邮件")

    def handle(self, *args: Any, **options: Any) -> None:
        queued = mail_recover()
        self.stdout.write(_("重新排队邮件：%(n)d 封") % {"n": len(queued)})
