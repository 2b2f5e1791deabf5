"""Back up the database and every stored file into a folder, with a checksum manifest.

    manage.py backup DIR [--force]

DIR must be empty or new; ``--force`` replaces a backup already in it. Exits 1 if the
database names a file the storage does not have (the backup is written all the same).
docs/operations.md has the schedule, retention and the off-site copy.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tradereg.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = _("把数据库和全部附件备份到目录 DIR，附 SHA-256 校验清单")

    def add_arguments(self, parser):
        parser.add_argument("directory", help=_("备份目录（须为空或尚不存在）"))
        parser.add_argument("--force", action="store_true", help=_("覆盖该目录中已有的备份"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_write(
                target=Path(options["directory"]),
                force=options["force"],
                progress=self.stdout.write,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        if manifest.missing:
            raise CommandError(
                _("备份已写入，但数据库引用的 %(count)s 个文件在存储中不存在：%(names)s")
                % {"count": len(manifest.missing), "names": ", ".join(manifest.missing[:20])}
            )
        self.stdout.write(self.style.SUCCESS(_("备份成功")))
