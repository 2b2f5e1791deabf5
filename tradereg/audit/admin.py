from django.contrib import admin

from tradereg.audit.chain import SEALED_FIELDS
from tradereg.audit.models import AuditAnchor, AuditEvent
from tradereg.audit.services import audit_record


class AuditedAdminMixin:
    """Put first in a ModelAdmin's bases: every add, change and delete made in that admin
    page also leaves an ``admin_changed`` audit event (Django's LogEntry is editable by
    whoever holds its permissions; the trail is not).
    """

    def _audit(self, request, obj, action: str, message) -> None:
        audit_record(
            event="admin_changed",
            actor=request.user,
            request=request,
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            action=action,
            object_repr=str(obj)[:200],
            message=message,
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete", "")
        return super().log_deletions(request, queryset)


class ReadOnlyForSuperuser(admin.ModelAdmin):
    """The trail is read at /audit/ by the auditor; in the admin only a superuser (the
    expiring break-glass account) may look, and nobody may add, change or delete.
    """

    def has_module_permission(self, request):
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request, obj=None):
        return bool(request.user.is_active and request.user.is_superuser)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyForSuperuser):
    list_display = [
        "created_at",
        "event",
        "actor_name",
        "actor_role",
        "object_type",
        "object_id",
        "outcome",
        "ip_address",
    ]
    list_filter = ["event", "outcome"]
    search_fields = ["event", "actor_name", "object_id"]
    # The ids, not the relations: the user or filing may no longer exist.
    fields = readonly_fields = [*SEALED_FIELDS, "prev_hash", "hash"]


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyForSuperuser):
    list_display = ["created_at", "last_id", "purged_count", "cutoff"]
    fields = readonly_fields = ["created_at", "last_id", "last_hash", "purged_count", "cutoff"]
