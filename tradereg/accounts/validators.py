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
