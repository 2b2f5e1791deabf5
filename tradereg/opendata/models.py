"""The register as open data: API keys, the change log of the published copy, the
daily snapshots (decision 0024) and the watches that post changes to a webhook.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradereg.common.fields import EncryptedCharField


class ApiKey(models.Model):
    """A key an integrator sends with each request, issued by the 系统管理员.

    Only a keyed hash of the key is kept (``digest``), so a copy of the table logs nobody
    in; ``prefix`` is its first characters, shown in the list so a key can be told apart.
    ``last_used_at`` is written at most once a minute per key (opendata.api).
    """

    class Scope(models.TextChoices):
        READ = "read", _("查询与核验")
        BULK = "bulk", _("变更记录与数据快照")
        WATCH = "watch", _("变更订阅")

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


class WebhookSubscription(models.Model):
    """A key holder's webhook: the URL a change of a watched operator is posted to.

    ``secret`` signs every delivery (HMAC-SHA256); it is shown once, in the answer that
    creates the subscription, and kept, sealed like the ID numbers (decision 0019; the key
    rotation re-seals it too), because every later signature needs it. Deleting
    a subscription makes it inactive: nothing more is sent and the API no longer shows
    it; its delivery rows stay as the record of what was sent.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("回调地址"), max_length=500)
    secret = EncryptedCharField(max_length=64)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("变更订阅")
        verbose_name_plural = _("变更订阅")

    def __str__(self) -> str:
        return self.url


class WatchedOperator(models.Model):
    """One operator a subscription watches, by its 进出口企业代码; ``typed`` is the code as
    the holder gave it (a USCC is resolved to the operator's 进出口企业代码 when added)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="watches"
    )
    ie_code = models.CharField(_("进出口企业代码"), max_length=13, db_index=True)
    typed = models.CharField(_("订阅时填写的代码"), max_length=18)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("订阅的经营者")
        verbose_name_plural = _("订阅的经营者")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "ie_code"], name="watch_one_per_operator"
            ),
        ]

    def __str__(self) -> str:
        return self.ie_code


class WebhookDelivery(models.Model):
    """One event posted to one subscription, kept until the receiver answers 2xx or a day
    has passed (then 已放弃); the holder reads these rows as the delivery log.

    ``payload`` is the exact body that is signed and sent on every attempt. One row per
    subscription and change-log entry (``change_position``), so publishing the same state
    again sends nothing twice. ``lease_until`` is set while one attempt is under way, as
    in the mail outbox (decision 0018).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        ABANDONED = "abandoned", _("已放弃")

    class EventType(models.TextChoices):
        CHANGED = "operator.changed", _("变更")
        CANCELLED = "operator.cancelled", _("注销")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_id = models.UUIDField(db_index=True)
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    change_position = models.BigIntegerField()
    ie_code = models.CharField(_("进出口企业代码"), max_length=13)
    payload = models.BinaryField()
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField(_("放弃时间"))
    last_status_code = models.PositiveIntegerField(_("最近一次响应码"), null=True, blank=True)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("最近一次尝试时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("回调投递")
        verbose_name_plural = _("回调投递")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "change_position"], name="delivery_one_per_change"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.ie_code} → {self.subscription_id}"
