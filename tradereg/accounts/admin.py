from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

from tradereg.accounts.models import User


class StaffCreationForm(AdminUserCreationForm):
    """New accounts with their role and authority in one step."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role", "authority")

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role in (User.Role.OFFICER, User.Role.SUPERVISOR) and not cleaned.get("authority"):
            self.add_error("authority", _("工作人员必须指定所属机关。"))
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = StaffCreationForm
    list_display = ["username", "email", "role", "authority", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "email"]
    raw_id_fields = ["authority"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("备案登记系统"), {"fields": ("role", "authority")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "role", "authority", "password1", "password2"),
            },
        ),
    )
