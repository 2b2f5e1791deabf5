from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """Every person who logs in; the role decides which workspace they see."""

    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业用户")
        OFFICER = "officer", _("备案登记机关工作人员")
        SUPERVISOR = "supervisor", _("省级主管机关工作人员")
        NATIONAL_ADMIN = "national_admin", _("商务部管理员")

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
        ]

    @property
    def is_enterprise(self) -> bool:
        return self.role == self.Role.ENTERPRISE

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.OFFICER


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
