"""`manage.py statistics_rebuild`: recompute the statistics from the filing history.

The rollup is kept up to date by every transition; this rebuilds it from scratch (after a
restore, or to check it): writers wait while it runs, so run it outside office hours at
national scale (docs/statistics.md has the measured time).
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.filings.figures import figures_rebuild


class Command(BaseCommand):
    help = _("根据备案办理记录重新计算统计数据")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = figures_rebuild()
        self.stdout.write(_("统计数据已重新计算，共 %(n)d 行。") % {"n": rows})
