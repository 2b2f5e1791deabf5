from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from tradereg.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "authority", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "email"]
    raw_id_fields = ["authority"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("备案登记系统"), {"fields": ("role", "authority")}),
    )
