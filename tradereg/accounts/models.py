import json
from functools import cache
from pathlib import Path

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ROLE_PERMISSIONS = Path(__file__).resolve().parent / "data" / "role_permissions.json"
# Roles that work in /admin/ (Django's is_staff), each limited by its permissions.
ADMIN_SITE_ROLES = ("system_admin", "security_admin")


@cache
def role_permissions(role: str) -> frozenset[str]:
    """The permissions a role holds, from the data file an administrator can edit."""
    data = json.loads(ROLE_PERMISSIONS.read_text(encoding="utf-8"))
    return frozenset(data.get(role, []))


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """Every person who logs in; the role decides which workspace they see."""

    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业用户")
        OFFICER = "officer", _("备案登记机关工作人员")
        SUPERVISOR = "supervisor", _("上级主管机关工作人员")
        SYSTEM_ADMIN = "system_admin", _("系统管理员")
        SECURITY_ADMIN = "security_admin", _("安全管理员")
        AUDITOR = "auditor", _("审计管理员")

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    authority = models.ForeignKey(
        "authorities.Authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("所属机关"),
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    # A break-glass superuser stops working at this moment (decision 0015).
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)

    objects = CaseInsensitiveUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role__in=["officer", "supervisor"])
                | models.Q(authority__isnull=False),
                name="user_staff_has_authority",
            ),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False) | models.Q(expires_at__isnull=False),
                name="user_superuser_expires",
            ),
        ]

    @property
    def is_enterprise(self) -> bool:
        return self.role == self.Role.ENTERPRISE

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.OFFICER

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """Permissions come from the role (``data/role_permissions.json``), not from
        per-user grants, so no administrator can widen their own rights; only an
        unexpired break-glass superuser holds every permission."""
        if not self.is_active or self.is_expired:
            return False
        if self.is_superuser:
            return True
        return perm in role_permissions(self.role)

    def has_module_perms(self, app_label: str) -> bool:
        if not self.is_active or self.is_expired:
            return False
        if self.is_superuser:
            return True
        return any(p.startswith(f"{app_label}.") for p in role_permissions(self.role))

    def has_perms(self, perm_list, obj: object = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)


class AccountClaim(models.Model):
    """开通用户: a one-time link with which a legacy filer chooses its own username and
    password. Only the token's hash is stored; the link expires and works once.
    """

    filing = models.ForeignKey("filings.Filing", on_delete=models.PROTECT, related_name="claims")
    email = models.EmailField(_("电子邮箱"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("开通用户")
        verbose_name_plural = _("开通用户")

    def __str__(self) -> str:
        return f"{self.filing_id} → {self.email}"
