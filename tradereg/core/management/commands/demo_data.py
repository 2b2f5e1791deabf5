from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.core.demo import demo_data_load


class Command(BaseCommand):
    help = _("载入演示数据（备案登记机关、演示账号、已备案经营者）")

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help=_("只在数据库里还没有用户时载入")
        )
        parser.add_argument("--operators", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write(_("演示数据已存在，跳过。"))
            return
        counts = demo_data_load(operators=options["operators"])
        self.stdout.write(
            self.style.SUCCESS(
                _("已载入演示数据：%(n)d 个已备案经营者。") % {"n": counts["operators"]}
            )
        )
