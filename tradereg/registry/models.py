from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedOperator(models.Model):
    """The public copy of an approved filing: the registry reads only this table.

    Written by the approve and cancel services; it never holds a draft, a pending change or
    a personal ID number, and can live on a replica of its own.
    """

    class Status(models.TextChoices):
        APPROVED = "approved", _("已备案")
        CANCELLED = "cancelled", _("已注销")

    filing_id = models.BigIntegerField(unique=True)
    ie_code = models.CharField(_("进出口企业代码"), max_length=13, db_index=True)
    form_no = models.CharField(_("备案登记表编号"), max_length=8, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    org_code = models.CharField(_("组织机构代码"), max_length=9, blank=True, db_index=True)
    name_cn = models.CharField(_("经营者中文名称"), max_length=100)
    name_en = models.CharField(_("经营者英文名称"), max_length=256)
    operator_type = models.CharField(_("经营者类型"), max_length=50)
    residence = models.CharField(_("住所"), max_length=200)
    premises_cn = models.CharField(_("经营场所（中文）"), max_length=200)
    premises_en = models.CharField(_("经营场所（英文）"), max_length=256)
    postcode = models.CharField(_("邮政编码"), max_length=6)
    phone = models.CharField(_("联系电话"), max_length=32)
    fax = models.CharField(_("联系传真"), max_length=32, blank=True)
    representative = models.CharField(_("法定代表人/负责人"), max_length=50)
    authority_name = models.CharField(_("备案登记机关"), max_length=100)
    authority_code = models.CharField(max_length=6)
    approved_at = models.DateTimeField(_("备案日期"), db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    revision_number = models.PositiveIntegerField()
    published_at = models.DateTimeField(auto_now=True)
    # Both names in the normalised form the search compares in (see grams.py).
    search_key = models.TextField(default="", editable=False)

    class Meta:
        ordering = ["-approved_at"]
        verbose_name = _("公开备案信息")
        verbose_name_plural = _("公开备案信息")

    def __str__(self) -> str:
        return self.name_cn


class OperatorNameGram(models.Model):
    """One posting of the name search: ``operator``'s names contain bigram ``gram``.

    The key (gram, approved_us, operator) is the only index, so the postings of a gram are
    read newest approval first and a page of a broad term stops after a few rows
    (decision 0005). Derived from ``PublishedOperator.search_key`` by the publish service;
    no foreign-key constraint, so bulk loads do not pay a check per row. On SQLite the
    table is ``WITHOUT ROWID`` (migration 0002): the key is the table, stored once.

    ``signature`` (grams.signature of the operator's key) lets the walk drop most
    non-matching postings without reading the operator (decision 0023); on PostgreSQL the
    key includes it (migration 0005) so the walk reads the index alone. -1, the database
    default, drops nothing.
    """

    pk = models.CompositePrimaryKey("gram", "approved_us", "operator")
    gram = models.CharField(max_length=2)
    approved_us = models.BigIntegerField()
    operator = models.ForeignKey(
        PublishedOperator,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    signature = models.BigIntegerField(db_default=-1)

    class Meta:
        verbose_name = _("名称检索索引")
        verbose_name_plural = _("名称检索索引")

    def __str__(self) -> str:
        return f"{self.gram} → {self.operator_id}"


class PublishedForm(models.Model):
    """One approved revision's registration form as the public prints and verifies it.

    Written by the publish service in the approval's (and the import's) transaction, one
    row per approved revision, with the verification code printed on it (decision 0013).
    The public print and the verification page read only this table: a filing never
    approved has no row, a pending change adds none, and a superseded row stays to describe
    the form as it was printed. Every value is the printed text (amounts and dates as
    strings, names of the type, currency and ID type); the ID number is held masked, never
    in full.
    """

    filing_id = models.BigIntegerField()
    revision_number = models.PositiveIntegerField(_("版本"))
    code = models.CharField(_("核验码"), max_length=10, unique=True)
    system_no = models.CharField(_("备案登记系统编号"), max_length=12, db_index=True)
    form_no = models.CharField(_("备案登记表编号"), max_length=8, db_index=True)
    ie_code = models.CharField(_("进出口企业代码"), max_length=13)
    # The code the operator is known by when it has neither USCC nor organisation code
    # (decision 0011): accepted on /print/ beside the codes printed on the form.
    operator_code = models.CharField(_("经营者代码"), max_length=18)
    name_cn = models.CharField(_("经营者中文名称"), max_length=100)
    name_en = models.CharField(_("经营者英文名称"), max_length=256)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    org_code = models.CharField(_("组织机构代码"), max_length=9, blank=True)
    operator_type = models.CharField(_("经营者类型"), max_length=50)
    section = models.CharField(_("填写部分"), max_length=1)
    residence = models.CharField(_("住所"), max_length=200)
    premises_cn = models.CharField(_("经营场所（中文）"), max_length=200)
    premises_en = models.CharField(_("经营场所（英文）"), max_length=256)
    phone = models.CharField(_("联系电话"), max_length=32)
    fax = models.CharField(_("联系传真"), max_length=32, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=6)
    email = models.CharField(_("电子邮箱"), max_length=254)
    registration_date = models.CharField(_("工商登记注册日期"), max_length=20)
    registration_no = models.CharField(_("工商登记注册号"), max_length=18)
    representative = models.CharField(_("法定代表人/负责人"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=30)
    masked_id_number = models.CharField(_("有效证件号（遮盖）"), max_length=32)
    capital = models.CharField(_("注册资金"), max_length=40)
    currency = models.CharField(_("币种"), max_length=50)
    capital_usd = models.CharField(_("折美元（万美元）"), max_length=40)
    remarks = models.TextField(_("备注"), blank=True)
    authority_name = models.CharField(_("备案登记机关"), max_length=100)
    approved_at = models.DateTimeField(_("审核通过日期"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公开登记表")
        verbose_name_plural = _("公开登记表")
        constraints = [
            models.UniqueConstraint(
                fields=["filing_id", "revision_number"], name="published_form_one_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_no} v{self.revision_number}"

    @property
    def display(self) -> str:
        """The code in two groups of five, as people read codes aloud."""
        return f"{self.code[:5]}-{self.code[5:]}"
