"""Walk the audit chain and report the first broken link; exits 1 if there is one.

manage.py audit_verify
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.audit.selectors import chain_verify


class Command(BaseCommand):
    help = _("校验审计记录的哈希链，报告第一处断链")

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain_verify(using=options["database"])
        if report.broken_id is not None:
            self.stderr.write(
                _("断链：第 %(id)s 号事件%(problem)s（此前 %(count)s 条校验通过）")
                % {"id": report.broken_id, "problem": report.problem, "count": report.count}
            )
            sys.exit(1)
        if report.missing_triggers:
            self.stderr.write(
                _("哈希链完整（%(count)s 条），但缺少防篡改触发器：%(names)s")
                % {"count": report.count, "names": ", ".join(sorted(report.missing_triggers))}
            )
            sys.exit(1)
        self.stdout.write(
            _("OK：%(count)s 条审计事件，哈希链完整；链头 %(head)s")
            % {"count": report.count, "head": report.head or "—"}
        )
