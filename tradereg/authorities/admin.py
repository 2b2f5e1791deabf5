from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tradereg.audit.admin import AuditedAdminMixin
from tradereg.authorities.models import Authority
from tradereg.authorities.services import authority_parent_for_region


@admin.register(Authority)
class AuthorityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Where an entrustment made between releases is recorded: a new county-level
    authority needs only its region; the authority above it is filled in."""

    list_display = ["code", "name", "parent", "level", "pinyin_initials", "is_active"]
    list_filter = ["is_active", "region__level"]
    list_select_related = ["parent", "region"]
    search_fields = ["code", "name", "pinyin_initials"]
    raw_id_fields = ["region", "parent"]

    @admin.display(description=_("级别"), ordering="region__level")
    def level(self, obj: Authority) -> str:
        return obj.region.get_level_display()

    def save_model(self, request: HttpRequest, obj: Authority, form, change: bool) -> None:
        if obj.parent_id is None and obj.region.parent_id is not None:
            obj.parent = authority_parent_for_region(obj.region)
        super().save_model(request, obj, form, change)
