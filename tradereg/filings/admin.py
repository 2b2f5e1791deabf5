from django.contrib import admin

from tradereg.audit.admin import AuditedAdminMixin
from tradereg.filings.models import Currency, Filing, OperatorType


@admin.register(OperatorType)
class OperatorTypeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "section", "org_code_required", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(Currency)
class CurrencyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "usd_rate", "rate_date", "is_default", "sort_order"]
    list_editable = ["usd_rate", "rate_date"]


@admin.register(Filing)
class FilingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: statuses change only through the services."""

    list_display = ["system_no", "form_no", "ie_code", "authority", "status", "created_at"]
    list_filter = ["status", "is_legacy"]
    search_fields = ["system_no", "form_no", "ie_code", "operator_code"]
    list_select_related = ["authority"]
    readonly_fields = [f.name for f in Filing._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
