from django.db import models
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    FRONT = "front", _("正面")
    BACK = "back", _("背面")


class Audience(models.TextChoices):
    """Who a rendering is for: the public copy masks the ID number, the owner's does not."""

    PUBLIC = "public", _("公开")
    OWNER = "owner", _("经营者本人")


class RenderedForm(models.Model):
    """A kept PDF of one side of an approved revision (DESIGN.md: render once, keep the file).

    ``layout`` is a digest of the templates, style sheet and back text that produced the
    file: a deploy that changes the layout simply stops matching the old rows.
    The file lives in the default storage under a private path; only views that check
    access serve it.
    """

    filing = models.ForeignKey(
        "filings.Filing", on_delete=models.PROTECT, related_name="rendered_forms"
    )
    revision_number = models.PositiveIntegerField(_("版本"))
    side = models.CharField(_("面"), max_length=5, choices=Side.choices)
    audience = models.CharField(_("读者"), max_length=6, choices=Audience.choices)
    layout = models.CharField(max_length=16)
    file = models.FileField(upload_to="printing/forms/", max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已生成的登记表")
        verbose_name_plural = _("已生成的登记表")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "revision_number", "side", "audience", "layout"],
                name="rendered_form_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filing_id} v{self.revision_number} {self.side} {self.audience}"


class VerificationCode(models.Model):
    """The short code printed on an approved form (and in its QR code).

    One random code per approved revision, with a copy of the public fields as printed,
    so that the verification page never reads the filing tables and a superseded form can
    still be described as it was printed.
    """

    code = models.CharField(_("核验码"), max_length=10, unique=True)
    filing = models.ForeignKey(
        "filings.Filing", on_delete=models.PROTECT, related_name="verification_codes"
    )
    revision_number = models.PositiveIntegerField(_("版本"))
    form_no = models.CharField(_("备案登记表编号"), max_length=8)
    ie_code = models.CharField(_("进出口企业代码"), max_length=13)
    name_cn = models.CharField(_("经营者中文名称"), max_length=100)
    name_en = models.CharField(_("经营者英文名称"), max_length=256)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    org_code = models.CharField(_("组织机构代码"), max_length=9, blank=True)
    authority_name = models.CharField(_("备案登记机关"), max_length=100)
    approved_at = models.DateTimeField(_("审核通过日期"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("登记表核验码")
        verbose_name_plural = _("登记表核验码")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "revision_number"], name="verification_code_one_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def display(self) -> str:
        """Printed in two groups of five, as people read codes aloud."""
        return f"{self.code[:5]}-{self.code[5:]}"
