"""Password and username rules, grouped into profiles by settings.PASSWORD_POLICY_PROFILES.

Decision 0017: ``asvs`` is length plus a breached-password list, ``mlps3`` (等保 第三级)
adds three kinds of character. ``ActiveProfileValidator`` (AUTH_PASSWORD_VALIDATORS' one
entry) applies the profile in force (decision 0020). Every message is in Chinese and
shown next to the field.
"""

import gzip
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import get_password_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tradereg.accounts.policy import security_policy

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{4,30}$")
BREACHED_PASSWORDS = Path(__file__).resolve().parent / "data" / "breached-passwords.txt.gz"


class ComplexityValidator:
    """At least three of: upper case, lower case, digit, symbol (FORM.md 密码, 等保 第三级)."""

    def validate(self, password, user=None):
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号中的三种。"),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("至少包含大写字母、小写字母、数字、符号中的三种。")


class MinimumLengthValidator:
    """Django's length rule with the message in Chinese (its zh_Hans catalogue lacks it)."""

    def __init__(self, min_length: int = 8):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}


@cache
def breached_passwords(path: Path = BREACHED_PASSWORDS) -> frozenset[str]:
    """The shipped list, read once per process: checking needs no network (ASVS 6.1.2)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


class BreachedPasswordValidator:
    """Refuses passwords known from breaches and common-password lists, in any letter case.

    The list (``data/breached-passwords.txt.gz``) is Django's common-password list plus
    common patterns that pass a composition rule (``Admin@123``, ``P@ssw0rd2026``, …).
    """

    def validate(self, password, user=None):
        if password.lower().strip() in breached_passwords():
            raise ValidationError(
                _("该密码过于常见或已在数据泄露中出现，请换一个。"), code="password_breached"
            )

    def get_help_text(self):
        return _("不能使用常见或已泄露的密码。")


def profile_validators(profile: str) -> list:
    """The validators of one profile of settings.PASSWORD_POLICY_PROFILES."""
    return get_password_validators(settings.PASSWORD_POLICY_PROFILES[profile])


class ActiveProfileValidator:
    """Applies the rules of the profile in force (安全策略, else PASSWORD_POLICY), looked
    up at each use: Django builds AUTH_PASSWORD_VALIDATORS once per process, and a
    安全管理员's change must reach the next password set anywhere without a restart."""

    def _validators(self) -> list:
        return profile_validators(security_policy().password_profile)

    def validate(self, password, user=None):
        errors = []
        for validator in self._validators():
            try:
                validator.validate(password, user)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)

    def password_changed(self, password, user=None):
        for validator in self._validators():
            changed = getattr(validator, "password_changed", None)
            if changed is not None:
                changed(password, user)

    def get_help_text(self):
        return " ".join(str(validator.get_help_text()) for validator in self._validators())
