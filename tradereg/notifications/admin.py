from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from tradereg.notifications.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only; the body fields are never shown, only the redacted ``preview``: a live
    reset or 开通用户 link must not be readable by any administrator (issue 8).

    The list shows the retry schedule, so that while the mail server is down an admin
    sees what waits, how often it was tried, why it failed and when it is tried next.
    """

    list_display = [
        "created_at",
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "error_shown",
        "sent_at",
    ]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject"]
    fields = [
        "created_at",
        "to",
        "subject",
        "template",
        "preview",
        "has_secret",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "lease_until",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("最近一次错误"))
    def error_shown(self, message: OutboundEmail) -> str:
        return Truncator(message.last_error).chars(80)
