"""【结束全部会话】 on the User admin, for the 安全管理员 only.

A mixin, so the User admin (admin.py) takes it with one base class::

    class UserAdmin(UserSessionsAdminMixin, BaseUserAdmin): ...
"""

from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tradereg.accounts import security
from tradereg.accounts.models import User


def may_end_sessions(user: User | AnonymousUser) -> bool:
    if not isinstance(user, User):
        return False
    return user.is_active and (user.role == User.Role.SECURITY_ADMIN or user.is_superuser)


@admin.action(description=_("结束所选用户的全部会话"), permissions=["end_sessions"])
def end_sessions(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    """Every session of each chosen user ends now (audited per user)."""
    acting_user = request.user
    if not isinstance(acting_user, User):
        raise PermissionDenied
    total = 0
    for user in queryset:
        total += security.user_sessions_end(user=user, acting_user=acting_user, request=request)
    modeladmin.message_user(
        request,
        gettext("已结束 %(count)d 个会话。") % {"count": total},
        messages.SUCCESS,
    )


class UserSessionsAdminMixin:
    """Adds the action; only a 安全管理员 (or the break-glass superuser) sees it."""

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        if may_end_sessions(request.user):
            actions["end_sessions"] = self.get_action(end_sessions)  # type: ignore[attr-defined]
        return actions

    def has_end_sessions_permission(self, request: HttpRequest) -> bool:
        return may_end_sessions(request.user)
