from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tradereg.common import codes
from tradereg.common.fields import BlindIndexField, EncryptedCharField


class Section(models.TextChoices):
    A = "A", _("依法办理工商登记的企业")
    B = "B", _("外国（地区）企业或个体工商户（独资经营者）")


def shown_name(name: str, name_en: str) -> str:
    """A form option in the page's language: the English name on an English page when the
    data has one. What is stored and printed is always ``name``, the Chinese one."""
    if name_en and get_language() == "en":
        return name_en
    return name


class OperatorType(models.Model):
    """经营者类型: admin-editable; each type decides which section of the form applies."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    section = models.CharField(_("表格部分"), max_length=1, choices=Section.choices)
    org_code_required = models.BooleanField(_("需要组织机构代码"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("经营者类型")
        verbose_name_plural = _("经营者类型")

    def __str__(self) -> str:
        return shown_name(self.name, self.name_en)


class Currency(models.Model):
    """币种 with its rate to the US dollar, used to pre-compute 折美元."""

    code = models.CharField(_("代码"), max_length=3, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=50, blank=True)
    usd_rate = models.DecimalField(_("折美元汇率"), max_digits=12, decimal_places=6)
    rate_date = models.DateField(_("汇率日期"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("币种")
        verbose_name_plural = _("币种")

    def __str__(self) -> str:
        return shown_name(self.name, self.name_en)


class Method(models.TextChoices):
    USCC = "uscc", _("统一社会信用代码")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    DRAFT = "draft", _("已保存(未上报)")
    REPORTED = "reported", _("上报")
    APPROVED = "approved", _("已审核，可变更")
    RETURNED = "returned", _("已退回")
    CHANGING = "changing", _("变更中(未上报)")
    CANCELLED = "cancelled", _("已注销")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
    OTHER = "other", _("其他")


_status_writable: ContextVar[bool] = ContextVar("filing_status_writable", default=False)


class StatusWriteRefused(RuntimeError):
    """A filing's status was assigned outside the transition function."""


@contextmanager
def status_writable() -> Iterator[None]:
    """Open the status for writing; only ``filings.services.transitions`` (and reloading a
    row from the database) may enter this (decision 0008)."""
    token = _status_writable.set(True)
    try:
        yield
    finally:
        _status_writable.reset(token)


class _GuardedStatus(DeferredAttribute):
    """Refuses a changed status unless the transition function is writing it.

    Constructing a row (from the database or a new one) sets it freely; changing it on a
    live object raises, so no view, form or admin action can move a filing by assignment.
    """

    def __set__(self, instance, value):
        name = self.field.attname
        if (
            name in instance.__dict__
            and instance.__dict__[name] != value
            and not _status_writable.get()
        ):
            raise StatusWriteRefused(
                "Filing.status changes only through filings.services.transitions"
            )
        instance.__dict__[name] = value


class StatusField(models.CharField):
    descriptor_class = _GuardedStatus


class FilingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if "status" in kwargs and not _status_writable.get():
            raise StatusWriteRefused("Filing.status changes only through the transition function")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        if "status" in fields and not _status_writable.get():
            raise StatusWriteRefused("Filing.status changes only through the transition function")
        return super().bulk_update(objs, fields, batch_size=batch_size)


class Filing(models.Model):
    """One operator's registration across its whole life; its data lives in revisions.

    The status is written only by ``filings.services.transitions.transition_apply`` from
    the table in ``filings.lifecycle``; assigning it elsewhere raises (decision 0008).
    """

    system_no = models.CharField(_("备案登记系统编号"), max_length=12, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings",
    )
    authority = models.ForeignKey(
        "authorities.Authority",
        on_delete=models.PROTECT,
        related_name="filings",
        verbose_name=_("备案登记机关"),
    )
    status = StatusField(_("状态"), max_length=12, choices=Status.choices, db_index=True)
    operator_code = models.CharField(
        _("经营者代码"),
        max_length=18,
        help_text=_("统一社会信用代码，或无统一社会信用代码时的组织机构代码/证件号"),
    )
    current_revision = models.ForeignKey(
        "FilingRevision", null=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_revision = models.ForeignKey(
        "FilingRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    form_no = models.CharField(
        _("备案登记表编号"), max_length=8, null=True, blank=True, unique=True
    )
    ie_code = models.CharField(_("进出口企业代码"), max_length=13, null=True, blank=True)
    approved_at = models.DateTimeField(_("审核通过日期"), null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    is_legacy = models.BooleanField(_("历史备案"), default=False)
    # Whether the latest report was a 变更 of an approved filing, fixed when reported.
    reported_as_change = models.BooleanField(_("变更"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("备案登记")
        verbose_name_plural = _("备案登记")
        constraints = [
            models.UniqueConstraint(
                fields=["operator_code"],
                condition=~Q(status="cancelled"),
                name="filing_one_open_per_operator_code",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]),
                name="filing_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["authority", "status"])]

    def __str__(self) -> str:
        return self.system_no

    def refresh_from_db(self, *args, **kwargs):
        with status_writable():
            super().refresh_from_db(*args, **kwargs)

    @property
    def has_been_approved(self) -> bool:
        return self.approved_revision_id is not None

    @property
    def revision(self) -> "FilingRevision":
        """The current revision; every saved filing has one (written as it is created)."""
        if self.current_revision is None:
            raise ValueError(f"filing {self.pk} has no revision")
        return self.current_revision

    @property
    def attachments(self) -> "models.QuerySet[Attachment]":
        """The files this filing would be reported with now (replaced ones left out)."""
        return self.all_attachments.filter(replaced_at__isnull=True)


class FilingRevision(models.Model):
    """An immutable snapshot of the form data; every save writes a new one."""

    class Kind(models.TextChoices):
        CREATE = "create", _("新建")
        SAVE = "save", _("保存")
        EDIT = "edit", _("编辑")
        CHANGE = "change", _("变更")
        IMPORT = "import", _("导入")

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("版本"))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("备案登记方式"), max_length=8, choices=Method.choices)

    name_cn = models.CharField(_("经营者中文名称"), max_length=100)
    name_en = models.CharField(_("经营者英文名称"), max_length=256)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    org_code = models.CharField(_("组织机构代码"), max_length=9, blank=True)
    operator_type = models.ForeignKey(
        OperatorType, on_delete=models.PROTECT, verbose_name=_("经营者类型")
    )
    residence = models.CharField(_("住所"), max_length=200)
    premises_cn = models.CharField(_("经营场所（中文）"), max_length=200)
    premises_en = models.CharField(_("经营场所（英文）"), max_length=256)
    phone = models.CharField(_("联系电话"), max_length=32)
    fax = models.CharField(_("联系传真"), max_length=32, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=6)
    email = models.EmailField(_("电子邮箱"))
    registration_date = models.DateField(_("工商登记注册日期"))
    registration_no = models.CharField(_("工商登记注册号"), max_length=18)
    representative = models.CharField(_("企业法定代表人姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=12, choices=IdType.choices)
    # PIPL sensitive personal information: sealed at rest, searched by its blind index.
    id_number = EncryptedCharField(_("有效证件号"), max_length=32)
    id_number_index = BlindIndexField(source="id_number", db_index=True)
    capital = models.DecimalField(_("注册资金（万元）"), max_digits=20, decimal_places=6)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, verbose_name=_("币种"))
    capital_usd = models.DecimalField(_("折美元（万美元）"), max_digits=20, decimal_places=6)
    remarks = models.TextField(_("备注"), max_length=1000, blank=True)

    class Meta:
        ordering = ["filing", "number"]
        verbose_name = _("备案登记表版本")
        verbose_name_plural = _("备案登记表版本")
        constraints = [
            models.UniqueConstraint(fields=["filing", "number"], name="revision_number_unique"),
        ]
        # Duplicate detection and the officers' lookups search revisions by these.
        indexes = [
            models.Index(fields=["uscc"], name="revision_uscc_idx"),
            models.Index(fields=["org_code"], name="revision_org_code_idx"),
            models.Index(fields=["registration_no"], name="revision_registration_no_idx"),
            models.Index(fields=["name_cn"], name="revision_name_cn_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filing_id} v{self.number}"

    @property
    def section(self) -> str:
        return self.operator_type.section

    @property
    def masked_id_number(self) -> str:
        return codes.mask_document_number(self.id_number)


class CurrentAttachments(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(replaced_at__isnull=True)


class Attachment(models.Model):
    """附件: stored through the default storage under a private path, served by a view.

    An attachment belongs to the revision that was current when it was uploaded, so a
    change is reported with a scan signed for the changed form. Replacing a file keeps the
    earlier one (``replaced_at`` set) for the officers' history.
    """

    class Kind(models.TextChoices):
        SIGNED_FORM = "signed_form", _("备案登记表扫描件")
        BUSINESS_LICENCE = "business_licence", _("营业执照复印件")
        OTHER = "other", _("其他材料")

    REQUIRED_KINDS = (Kind.SIGNED_FORM, Kind.BUSINESS_LICENCE)

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="all_attachments")
    revision = models.ForeignKey(
        FilingRevision, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(_("附件类型"), max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField(_("替换时间"), null=True, blank=True)
    # Set when the retention period of a cancelled filing removed the file; the row stays.
    file_removed_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    objects = models.Manager()
    current = CurrentAttachments()

    class Meta:
        ordering = ["kind", "uploaded_at"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "kind"],
                condition=~Q(kind="other") & Q(replaced_at__isnull=True),
                name="attachment_one_current_required_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class Sequence(models.Model):
    """A named counter for race-safe numbering (系统编号 per month, 备案登记表编号)."""

    name = models.CharField(max_length=30, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class FilingEvent(models.Model):
    """One step in a filing's life: who did what to which revision, at which authority.

    Written by the transition function and nothing else; the enterprise's 办理记录 and the
    officer's history both read it (decision 0009). The audit trail is a separate security
    record; this is the domain's own account of the filing. ``actor_name`` keeps the name
    as it was, so the history reads the same after an account is renamed or removed.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("新建")
        SAVED = "saved", _("保存")
        EDITED = "edited", _("编辑")
        CHANGE_STARTED = "change_started", _("变更")
        REPORTED = "reported", _("上报")
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回")
        CANCELLED = "cancelled", _("注销")
        IMPORTED = "imported", _("导入")
        OWNER_BOUND = "owner_bound", _("开通用户")

    DECISIONS = (Kind.APPROVED, Kind.RETURNED, Kind.CANCELLED)

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事项"), max_length=16, choices=Kind.choices)
    revision = models.ForeignKey(FilingRevision, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    actor_name = models.CharField(_("经办人"), max_length=150, blank=True)
    status_before = models.CharField(max_length=12, blank=True)
    status_after = models.CharField(max_length=12, blank=True)
    # A report or approval of a change to an approved filing, fixed when it happened.
    is_change = models.BooleanField(_("变更"), default=False)
    reason = models.TextField(_("原因"), max_length=2000, blank=True)
    fields = models.JSONField(_("需修改的项目"), default=list, blank=True)
    attachment_kinds = models.JSONField(_("需重新上传的附件"), default=list, blank=True)
    # What a report sent: the attachments current at that moment.
    attachment_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        indexes = [models.Index(fields=["filing", "-created_at"], name="filing_event_recent_idx")]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.kind}"

    @property
    def is_decision(self) -> bool:
        return self.kind in self.DECISIONS

    @property
    def label(self) -> str:
        if self.kind == self.Kind.REPORTED and self.is_change:
            return str(_("上报（变更）"))
        return self.get_kind_display()


class Note(models.Model):
    """An internal note on a filing, visible to officers only."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("内部备注"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("内部备注")
        verbose_name_plural = _("内部备注")

    def __str__(self) -> str:
        return self.body[:40]
