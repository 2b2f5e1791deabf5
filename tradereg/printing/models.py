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
    file, ``signer`` the certificate that signed it (decision 0025): a deploy that changes
    the layout or a certificate simply stops matching the old rows.
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
    signer = models.CharField(max_length=16, default="")
    file = models.FileField(upload_to="printing/forms/", max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已生成的登记表")
        verbose_name_plural = _("已生成的登记表")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "revision_number", "side", "audience", "layout", "signer"],
                name="rendered_form_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filing_id} v{self.revision_number} {self.side} {self.audience}"
