from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts import otp_services, policy
from tradereg.accounts.admin_sessions import UserSessionsAdminMixin
from tradereg.accounts.models import SecurityPolicy, User
from tradereg.audit.admin import AuditedAdminMixin

# The accounts a 系统管理员 manages: the filing authorities' staff. The three
# administrators are created by the break-glass superuser or `manage.py staff_create`.
MANAGED_ROLES = (User.Role.OFFICER, User.Role.SUPERVISOR)


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
class UserAdmin(AuditedAdminMixin, UserSessionsAdminMixin, BaseUserAdmin):
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
    # What a 系统管理员 may edit: no superuser flag, groups or per-user permissions, so no
    # administrator can widen anyone's rights, their own included (decision 0015).
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("备案登记系统"), {"fields": ("role", "authority", "is_active")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.limited_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("last_login", "date_joined")

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser or request.user.role == User.Role.SECURITY_ADMIN:
            # The 安全管理员 looks accounts up to end their sessions; it cannot edit them.
            return users
        return users.filter(role__in=MANAGED_ROLES)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(r.value, r.label) for r in MANAGED_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


# django-otp's own admin pages can show a key and edit devices without an audit event;
# the 安全管理员 gets a list without keys and one audited action instead.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin):
    """身份验证器: who has bound one, and the audited 重置 that makes them bind again."""

    list_display = ["user", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields
    actions = ["reset_devices"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only through the audited action below

    def has_reset_permission(self, request):
        return request.user.has_perm(otp_services.RESET_PERMISSION)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(
        description=_("重置所选用户的身份验证器（下次登录时重新绑定）"), permissions=["reset"]
    )
    def reset_devices(self, request, queryset):
        users = User.objects.filter(pk__in=queryset.values("user_id"))
        for user in users:
            otp_services.second_factor_reset(user=user, acting_user=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "已重置 %(count)d 个用户的身份验证器。",
                "已重置 %(count)d 个用户的身份验证器。",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed logins; deleting them (解除锁定) goes through the audited service."""

    actions = ["unlock_selected"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_unlock_permission(self, request):
        return request.user.has_perm("axes.delete_accessattempt")

    def delete_model(self, request, obj):
        otp_services.lockout_clear(
            attempts=AccessAttempt.objects.filter(pk=obj.pk),
            acting_user=request.user,
            request=request,
        )

    def delete_queryset(self, request, queryset):
        otp_services.lockout_clear(attempts=queryset, acting_user=request.user, request=request)

    @admin.action(description=_("解除所选锁定"), permissions=["unlock"])
    def unlock_selected(self, request, queryset):
        count = otp_services.lockout_clear(
            attempts=queryset, acting_user=request.user, request=request
        )
        self.message_user(
            request,
            ngettext("已解除 %(count)d 条锁定记录。", "已解除 %(count)d 条锁定记录。", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """安全策略: one page, the 安全管理员's only (decision 0020). The list is that page,
    nothing is added or deleted, and a save goes through the audited service."""

    fieldsets = (
        (_("密码"), {"fields": ("password_profile", "password_max_age_days")}),
        (_("登录失败处理"), {"fields": ("lockout_failures", "lockout_minutes")}),
        (_("会话"), {"fields": ("session_idle_minutes", "session_max_hours")}),
    )
    radio_fields = {"password_profile": admin.VERTICAL}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        if str(object_id) != str(SecurityPolicy.SINGLETON):
            return None
        return policy.security_policy_row()

    def changelist_view(self, request, extra_context=None):
        return self.change_view(request, str(SecurityPolicy.SINGLETON), extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        policy.security_policy_change(
            acting_user=request.user,
            request=request,
            **{name: form.cleaned_data[name] for name in policy.FIELDS},
        )

    def response_change(self, request, obj):
        self.message_user(
            request, _("安全策略已保存，立即生效（其他服务进程在数秒内生效）。"), messages.SUCCESS
        )
        return HttpResponseRedirect(request.path)
