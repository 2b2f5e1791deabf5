from django.db import models
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    """A filing authority (备案登记机关): the commerce department of one region."""

    code = models.CharField(_("机关代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="authorities"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级机关"),
    )
    pinyin_initials = models.CharField(_("拼音首字母"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    # Set by the picker's search on an authority found through a district or county it
    # serves (南山 → 深圳市商务局): that region's name. Not stored.
    via = ""

    class Meta:
        ordering = ["code"]
        verbose_name = _("备案登记机关")
        verbose_name_plural = _("备案登记机关")

    def __str__(self) -> str:
        return self.name

    @property
    def ie_code_prefix(self) -> str:
        """First four digits of the region code (see ``regions/data/SOURCE.md``): ``4403``
        for 深圳, ``4290`` for the cities directly under 湖北, ``6600`` for the 兵团."""
        return self.region.code[:4]
