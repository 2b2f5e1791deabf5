from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tradereg.audit.admin import AuditedAdminMixin
from tradereg.core.models import Announcement
from tradereg.core.services import announcement_delete, announcement_save
from tradereg.regulations.markup import render_markdown


@admin.register(Announcement)
class AnnouncementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """公告: the home page shows the five newest published ones, pinned first."""

    list_display = ["title", "published_at", "is_published", "pinned"]
    list_editable = ["is_published", "pinned"]
    list_filter = ["is_published", "pinned"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    readonly_fields = ["body_preview", "created_at", "updated_at"]
    fields = [
        "title",
        "body",
        "body_preview",
        "published_at",
        "is_published",
        "pinned",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("正文预览"))
    def body_preview(self, obj: Announcement):
        return render_markdown(obj.body) if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        announcement_save(announcement=obj)

    def delete_model(self, request, obj):
        announcement_delete(announcement=obj)

    def delete_queryset(self, request, queryset):
        for announcement in queryset:
            announcement_delete(announcement=announcement)
