from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """A message kept until the mail server has accepted it; the send task retries it.

    A message carrying a one-time link (reset, 开通用户) keeps the live link only in the
    body fields, which no admin page shows, and only until it is delivered; ``preview`` is
    the same text with the secret replaced, and is what stays afterwards.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")

    created_at = models.DateTimeField(auto_now_add=True)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    template = models.CharField(max_length=60)
    preview = models.TextField(_("正文（链接已隐藏）"), blank=True)
    has_secret = models.BooleanField(_("含一次性链接"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("邮件")
        verbose_name_plural = _("邮件")

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"
