"""Restore a backup made by ``manage.py backup`` into an empty installation.

    manage.py restore DIR [--force] [--verify-only]

Every file is checked against the manifest first; any missing file or checksum that does
not match refuses the whole restore. The target database and storage must be empty (a
new database, or one just migrated) unless ``--force``, which replaces what is there.
Stop the web server and the workers first. Exits 1 if the restored audit chain does not
verify, or if this installation's field encryption key (kept apart from backups) cannot
open the restored ID numbers.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tradereg.core.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = _("从 manage.py backup 写出的目录恢复数据库和全部附件（先逐一校验）")

    def add_arguments(self, parser):
        parser.add_argument("directory", help=_("备份目录"))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("目标不是空的也恢复：替换其中的数据和文件"),
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help=_("只校验备份，不恢复"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["directory"])
        try:
            if options["verify_only"]:
                backup_verify(source=source, progress=self.stdout.write)
                return
            report = backup_restore(
                source=source, force=options["force"], progress=self.stdout.write
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        chain = report.chain
        if not chain.ok:
            raise CommandError(
                _(
                    "已恢复，但审计哈希链校验未通过：%(problem)s（第 %(id)s 号事件）；"
                    "缺少触发器：%(names)s"
                )
                % {
                    "problem": chain.problem or "—",
                    "id": chain.broken_id or "—",
                    "names": ", ".join(sorted(chain.missing_triggers)) or "—",
                }
            )
        self.stdout.write(
            _("审计哈希链完整：%(count)s 条事件，防篡改触发器齐全") % {"count": chain.count}
        )
        if report.pending_migrations:
            self.stdout.write(
                _("本程序比备份新，还有 %(count)s 个迁移未执行：请运行 manage.py migrate")
                % {"count": len(report.pending_migrations)}
            )
        if report.field_key_problem:
            raise CommandError(_("已恢复，但是：") + report.field_key_problem)
        self.stdout.write(
            self.style.SUCCESS(_("恢复成功（备份于 %(at)s）") % {"at": report.manifest.created_at})
        )
