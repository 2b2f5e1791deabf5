"""The register as open data: API keys, the change log of the published copy and the
daily snapshots (decision 0024).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key an integrator sends with each request, issued by the 系统管理员.

    Only a keyed hash of the key is kept (``digest``), so a copy of the table logs nobody
    in; ``prefix`` is its first characters, shown in the list so a key can be told apart.
    ``last_used_at`` is written at most once a minute per key (opendata.api).
    """

    class Scope(models.TextChoices):
        READ = "read", _("查询与核验")
        BULK = "bulk", _("变更记录与数据快照")

    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The issuing form's one-time token: sending the same form again (a reload, a double
    # click) issues nothing more.
    issue_token = models.CharField(max_length=43, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ChangeClock(models.Model):
    """One row: the last position handed out in the change log.

    A publishing transaction takes the next positions by updating this row, which holds
    the row lock until it commits, so positions become visible in commit order, without
    gaps (a rolled-back transaction returns its positions with it).
    """

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class ChangeEntry(models.Model):
    """One publish, change or cancellation of the published register, append-only.

    Written in the publishing transaction (registry.services calls opendata.services);
    ``position`` orders the feed at /api/v1/changes.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", _("新备案")
        CHANGED = "changed", _("变更")
        CANCELLED = "cancelled", _("注销")

    position = models.BigIntegerField(unique=True)
    filing_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ie_code = models.CharField(max_length=13)
    name_cn = models.CharField(max_length=100)
    status = models.CharField(max_length=10)
    revision_number = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["position"]
        verbose_name = _("公开信息变更记录")
        verbose_name_plural = _("公开信息变更记录")

    def __str__(self) -> str:
        return f"{self.position} {self.kind} {self.ie_code}"


class Snapshot(models.Model):
    """A whole copy of the published register on one day, as gzip CSV and JSON Lines in
    the media storage. ``change_position`` is the change log's last position when the
    build began: a consumer loads the snapshot and follows the feed from there.
    """

    day = models.DateField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    row_count = models.PositiveIntegerField()
    change_position = models.BigIntegerField()
    csv_name = models.CharField(max_length=200)
    csv_size = models.BigIntegerField()
    csv_sha256 = models.CharField(max_length=64)
    jsonl_name = models.CharField(max_length=200)
    jsonl_size = models.BigIntegerField()
    jsonl_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("数据快照")
        verbose_name_plural = _("数据快照")

    def __str__(self) -> str:
        return str(self.day)
