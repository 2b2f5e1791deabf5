"""Delete audit events older than AUDIT_RETENTION_DAYS (at least 184); leaves an event.

    manage.py audit_purge [--dry-run]

Run it from a scheduler (cron, systemd timer). The chain stays verifiable: the hash of
the last event purged becomes its new starting point.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from tradereg.audit import conf
from tradereg.audit.services import audit_purge


class Command(BaseCommand):
    help = _("清理超过保存期限的审计事件（本身记入审计记录）")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只统计，不删除"))

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_purge(dry_run=options["dry_run"])
        values = {
            "count": result.count,
            "days": conf.retention_days(),
            "cutoff": timezone.localtime(result.cutoff).strftime("%Y-%m-%d %H:%M"),
        }
        if options["dry_run"]:
            message = _("将清理 %(count)s 条早于 %(cutoff)s 的审计事件（保存 %(days)s 天）")
        else:
            message = _("已清理 %(count)s 条早于 %(cutoff)s 的审计事件（保存 %(days)s 天）")
        self.stdout.write(message % values)
