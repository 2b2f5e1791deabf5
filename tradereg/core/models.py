"""Site-wide content kept by national admins: announcements (公告) on the home page."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnnouncementQuerySet(models.QuerySet):
    def published(self, *, now=None) -> "AnnouncementQuerySet":
        """Visible to the public: marked published and due; pinned first, then newest."""
        return self.filter(is_published=True, published_at__lte=now or timezone.now()).order_by(
            "-pinned", "-published_at", "-id"
        )


class Announcement(models.Model):
    """公告: a short Markdown notice; a future ``published_at`` schedules it."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(
        _("正文"), blank=True, help_text=_("Markdown 格式；显示前会去除脚本等不安全内容。")
    )
    body_html = models.TextField(
        _("正文 HTML"),
        blank=True,
        editable=False,
        help_text=_("保存时由正文生成（已去除不安全内容），首页直接显示。"),
    )
    published_at = models.DateTimeField(
        _("发布时间"), default=timezone.now, help_text=_("晚于当前时间的公告到时才显示。")
    )
    is_published = models.BooleanField(_("发布"), default=False)
    pinned = models.BooleanField(_("置顶"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-published_at", "-id"]
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        indexes = [
            models.Index(
                fields=["is_published", "-pinned", "-published_at"], name="announcement_home_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title
