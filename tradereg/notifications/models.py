from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """A message kept until the mail server has accepted it; the send task retries it.

    A message carrying a one-time link (reset, 开通用户) keeps the live link only in the
    body fields, which no admin page shows, and only until it is delivered; ``preview`` is
    the same text with the secret replaced, and is what stays afterwards.

    ``next_attempt_at`` is the retry schedule admins see. ``lease_until`` is set while one
    attempt is under way: no other attempt starts before it has passed, and once it has,
    the attempt is presumed lost with its worker (decision 0018).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    to = models.EmailField(_("收件人"))
    subject = models.CharField(_("主题"), max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    template = models.CharField(_("模板"), max_length=60)
    preview = models.TextField(_("正文（链接已隐藏）"), blank=True)
    has_secret = models.BooleanField(_("含一次性链接"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    last_error = models.TextField(_("最近一次错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    lease_until = models.DateTimeField(_("本次尝试期限"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("邮件")
        verbose_name_plural = _("邮件")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so that a copy sent twice (decision 0018)
        can be recognised as one message by the receiving side."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        return f"<outbound.{self.pk}.{int(self.created_at.timestamp())}@{domain}>"
