from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegacyImport(models.Model):
    """One upload of the legacy register by a 系统管理员, run by the task worker.

    The file and its report live in private storage (never under a public URL); the page
    polls the counters, which the task updates after every batch.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未完成")

    token = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(max_length=200)
    dry_run = models.BooleanField(_("仅检查"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    present = models.PositiveIntegerField(_("已存在"), default=0)
    differing = models.PositiveIntegerField(_("与已有数据不一致"), default=0)
    invalid = models.PositiveIntegerField(_("有误"), default=0)
    problems = models.PositiveIntegerField(default=0)
    report = models.FileField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("历史数据导入")
        verbose_name_plural = _("历史数据导入")

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
