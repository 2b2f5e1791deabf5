from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradereg.audit.admin import AuditedAdminMixin
from tradereg.regulations.markup import render_markdown
from tradereg.regulations.models import Regulation


@admin.register(Regulation)
class RegulationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """National admins keep the 法律法规 list; the body is Markdown, shown sanitised."""

    list_display = [
        "title",
        "doc_no",
        "issuer",
        "issued_on",
        "status",
        "sort_order",
        "is_published",
    ]
    list_editable = ["status", "sort_order", "is_published"]
    list_filter = ["status", "kind", "is_published"]
    search_fields = ["title", "doc_no", "issuer", "slug"]
    filter_horizontal = ["related"]
    readonly_fields = ["body_preview", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "doc_no", "kind", "issuer"]}),
        (_("日期与时效性"), {"fields": ["issued_on", "effective_on", "status"]}),
        (_("内容"), {"fields": ["body", "body_preview", "source_url", "attachment", "related"]}),
        (_("显示"), {"fields": ["sort_order", "is_published", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("正文预览"))
    def body_preview(self, obj: Regulation):
        return render_markdown(obj.body) if obj.pk else "—"
