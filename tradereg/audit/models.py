import json

from django.conf import settings
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradereg.audit import chain, protection


class AppendOnlyError(Exception):
    """Raised before the database trigger would refuse: the audit trail is append-only."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the ORM's bulk writes with a clear message instead of a trigger error."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only: update() refused")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only: delete() refused")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} is append-only: bulk_update() refused")

    def bulk_create(self, objs, *args, **kwargs):
        # Each event seals the one before it, so events are appended one at a time.
        raise AppendOnlyError(f"{self.model.__name__} is chained: bulk_create() refused")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only: saving a stored row")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only: delete() refused")


class Outcome(models.TextChoices):
    OK = "ok", _("成功")
    REFUSED = "refused", _("拒绝")
    FAILED = "failed", _("失败")


class AuditEvent(AppendOnlyModel):
    """One login, state change, officer view or refused access; append-only and chained.

    Who acted is kept as a snapshot (name, role, authority) because users are renamed and
    deleted; ``actor`` and ``filing`` are plain ids without a database constraint, so that
    deleting either never touches an event (SET NULL would be an UPDATE, refused).
    """

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_role = models.CharField(_("角色"), max_length=30, blank=True)
    actor_authority = models.CharField(_("所属机关"), max_length=120, blank=True)
    event = models.CharField(_("事件"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    filing = models.ForeignKey(
        "filings.Filing",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=10, choices=Outcome.choices, default=Outcome.OK
    )
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("上一条哈希"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("哈希"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event}"

    def save(self, *args, **kwargs):
        """Append this event to the chain: lock, read the last hash, stamp, seal, insert.

        The time is taken after the lock, so the chain's order (id) is also time order.
        """
        if not self._state.adding:
            raise AppendOnlyError("AuditEvent is append-only: saving a stored row")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        connection = connections[using]
        with transaction.atomic(using=using):
            protection.chain_lock(connection)
            self.prev_hash = chain_head(using)
            self.created_at = timezone.now()
            # Store exactly what will be read back, so the seal verifies later.
            ip = self._meta.get_field("ip_address").to_python(self.ip_address)
            self.ip_address = ip or None
            self.data = json.loads(json.dumps(self.data))
            self.hash = chain.event_hash(self.prev_hash, self)
            super().save(*args, **kwargs)


class AuditAnchor(AppendOnlyModel):
    """Where the chain starts after a purge: the hash of the last event purged."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    last_id = models.BigIntegerField(_("最后清理的事件编号"))
    last_hash = models.CharField(_("最后清理的事件哈希"), max_length=64)
    purged_count = models.PositiveIntegerField(_("清理条数"))
    cutoff = models.DateTimeField(_("清理截止时间"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("审计链起点")
        verbose_name_plural = _("审计链起点")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ≤ {self.last_id}"


def chain_head(using: str = "default") -> str:
    """The hash the next event chains to: the last event's, else the purge anchor's."""
    last = AuditEvent.objects.using(using).order_by("-id").values_list("hash", flat=True)[:1]
    for value in last:
        return value
    anchor = AuditAnchor.objects.using(using).order_by("-id").values_list("last_hash", flat=True)
    for value in anchor[:1]:
        return value
    return ""
