import json
from functools import cache
from pathlib import Path

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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


# 安全策略's bounds (decision 0020): what a 安全管理员 may choose and still meet 等保
# 第三级 and the page's own needs (the idle warning comes two minutes before the limit).
IDLE_MINUTES = (5, 30)
MAX_HOURS = (1, 12)
LOCKOUT_FAILURES = (3, 10)
LOCKOUT_MINUTES = (10, 1440)
MLPS3_PASSWORD_DAYS = (30, 90)


def _between(bounds: tuple[int, int], message: str) -> list:
    low, high = bounds
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def _q_between(name: str, bounds: tuple[int, int]) -> models.Q:
    return models.Q(**{f"{name}__gte": bounds[0], f"{name}__lte": bounds[1]})


class SecurityPolicy(models.Model):
    """安全策略: the password profile, the lockout and the session limits in force.

    One row (``pk`` 1), written only by ``policy.security_policy_change``; while it does
    not exist the settings (from the environment) are the policy. Read it through
    ``policy.security_policy()``, which caches it for a few seconds per process.
    """

    class Profile(models.TextChoices):
        ASVS = "asvs", _("ASVS 5.0：至少12个字符，不要求字符种类，不强制定期更换")
        MLPS3 = "mlps3", _("等保2.0第三级：至少10个字符，含三种字符，工作人员定期更换")

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    password_profile = models.CharField(_("密码策略"), max_length=10, choices=Profile.choices)
    password_max_age_days = models.PositiveSmallIntegerField(
        _("工作人员密码有效期（天）"),
        help_text=_(
            "等保2.0第三级策略：30至90天，到期后须修改密码才能继续使用；"
            "ASVS 5.0 策略：填0，不强制定期更换。企业用户不受此限。"
        ),
    )
    lockout_failures = models.PositiveSmallIntegerField(
        _("登录失败锁定次数"),
        validators=_between(LOCKOUT_FAILURES, _("请填写3至10之间的次数。")),
        help_text=_("同一账号（或同一地址）连续登录失败达到此次数即锁定；3至10次。"),
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        _("锁定时长（分钟）"),
        validators=_between(LOCKOUT_MINUTES, _("请填写10至1440之间的分钟数。")),
        help_text=_("10至1440分钟（1天）；安全管理员可随时解除锁定。"),
    )
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("空闲超时（分钟）"),
        validators=_between(IDLE_MINUTES, _("请填写5至30之间的分钟数。")),
        help_text=_("无操作达到此时长即退出登录，退出前2分钟提醒；5至30分钟。"),
    )
    session_max_hours = models.PositiveSmallIntegerField(
        _("会话最长时间（小时）"),
        validators=_between(MAX_HOURS, _("请填写1至12之间的小时数。")),
        help_text=_("登录后无论是否操作，达到此时长即退出登录；1至12小时。"),
    )

    class Meta:
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="security_policy_one_row"),
            models.CheckConstraint(
                condition=models.Q(password_profile="asvs", password_max_age_days=0)
                | models.Q(password_profile="mlps3")
                & _q_between("password_max_age_days", MLPS3_PASSWORD_DAYS),
                name="security_policy_password_max_age",
            ),
            models.CheckConstraint(
                condition=_q_between("lockout_failures", LOCKOUT_FAILURES),
                name="security_policy_lockout_failures",
            ),
            models.CheckConstraint(
                condition=_q_between("lockout_minutes", LOCKOUT_MINUTES),
                name="security_policy_lockout_minutes",
            ),
            models.CheckConstraint(
                condition=_q_between("session_idle_minutes", IDLE_MINUTES),
                name="security_policy_session_idle",
            ),
            models.CheckConstraint(
                condition=_q_between("session_max_hours", MAX_HOURS),
                name="security_policy_session_max",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def clean(self) -> None:
        """The password's maximum age belongs to the profile: 等保 asks a regular change,
        ASVS 5.0 (V6.2.10) forbids a forced one."""
        days = self.password_max_age_days
        if days is None:
            return
        low, high = MLPS3_PASSWORD_DAYS
        if self.password_profile == self.Profile.MLPS3 and not low <= days <= high:
            raise ValidationError(
                {
                    "password_max_age_days": _(
                        "等保2.0第三级要求定期更换密码，请填写30至90之间的天数。"
                    )
                }
            )
        if self.password_profile == self.Profile.ASVS and days != 0:
            raise ValidationError(
                {"password_max_age_days": _("ASVS 5.0 不允许强制定期更换密码，此策略下请填写0。")}
            )
