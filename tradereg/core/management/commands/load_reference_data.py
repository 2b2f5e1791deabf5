"""Load the committed regions, authorities and form options; safe to run on every start.

It lives in the site shell because it spans three apps (regions, authorities, filings).
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.authorities.services import authorities_load
from tradereg.filings.reference import form_options_load
from tradereg.regions.services import regions_load


class Command(BaseCommand):
    help = _("载入行政区划和备案登记机关参考数据（可重复执行）")

    def handle(self, *args: Any, **options: Any) -> None:
        regions = regions_load()
        authorities = authorities_load()
        types, currencies = form_options_load()
        self.stdout.write(
            self.style.SUCCESS(
                _("已载入 %(regions)d 个行政区划、%(authorities)d 个备案登记机关")
                % {"regions": regions, "authorities": authorities}
            )
        )
        self.stdout.write(
            _("经营者类型 %(types)d 项，币种 %(currencies)d 项")
            % {"types": types, "currencies": currencies}
        )
