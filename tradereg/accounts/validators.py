import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{4,30}$")


class ComplexityValidator:
    """At least three of: upper case, lower case, digit, symbol (FORM.md 密码)."""

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
        return _("至少8位，至少包含大写字母、小写字母、数字、符号中的三种。")


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
