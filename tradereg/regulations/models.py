"""法律法规: the laws, rules and notices that govern foreign-trade operator filing.

National admins keep them in the Django admin; the public list and detail pages read
only the published ones. The seed (``data/regulations.json``) is loaded by
``services.regulations_load``.
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradereg.regulations.validators import validate_pdf


class Status(models.TextChoices):
    """时效性 of a document, as the national law database words it."""

    IN_FORCE = "in_force", _("现行有效")
    AMENDED = "amended", _("已修订")
    REPEALED = "repealed", _("已废止")


class Kind(models.TextChoices):
    LAW = "law", _("法律")
    ADMINISTRATIVE_REGULATION = "administrative_regulation", _("行政法规")
    DEPARTMENTAL_RULE = "departmental_rule", _("部门规章")
    NORMATIVE_DOCUMENT = "normative_document", _("规范性文件")
    GUIDE = "guide", _("操作指南")


class Regulation(models.Model):
    Status = Status
    Kind = Kind

    slug = models.SlugField(
        _("网址标识"),
        max_length=80,
        unique=True,
        help_text=_(
            "用于固定网址 /regulations/<标识>/，只用小写字母、数字和连字符；发布后请勿修改。"
        ),
    )
    title = models.CharField(_("标题"), max_length=200)
    doc_no = models.CharField(_("文号"), max_length=100, blank=True)
    kind = models.CharField(_("类别"), max_length=30, choices=Kind.choices)
    issuer = models.CharField(_("发布机关"), max_length=100)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    status = models.CharField(
        _("时效性"), max_length=20, choices=Status.choices, default=Status.IN_FORCE
    )
    body = models.TextField(
        _("正文或摘要"),
        blank=True,
        help_text=_("Markdown 格式；显示前会去除脚本等不安全内容。"),
    )
    source_url = models.URLField(_("官方来源"), max_length=500, blank=True)
    attachment = models.FileField(
        _("附件（PDF）"),
        upload_to="regulations/%Y/",
        max_length=200,
        blank=True,
        validators=[validate_pdf],
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("相关文件"))
    sort_order = models.PositiveSmallIntegerField(
        _("排序"), default=100, help_text=_("数字小的排在前面；相同时按发布日期从新到旧。")
    )
    is_published = models.BooleanField(_("公开"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["sort_order", models.F("issued_on").desc(nulls_last=True), "title"]
        verbose_name = _("法律法规")
        verbose_name_plural = _("法律法规")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]),
                name="regulation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]),
                name="regulation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("regulations:detail", kwargs={"slug": self.slug})
