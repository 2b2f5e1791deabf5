"""The 修改密码 form: Django's checks, the labels and messages of this system."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm as BasePasswordChangeForm
from django.utils.translation import gettext_lazy as _


class PasswordChangeForm(BasePasswordChangeForm):
    """原密码, 新密码, 确认新密码; the new one passes the profile's rules (decision 0017)."""

    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    error_messages = {
        "password_incorrect": _("原密码不正确，请重新输入。"),
        "password_mismatch": _("两次输入的密码不一致。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = " ".join(
            str(text) for text in password_validation.password_validators_help_texts()
        )

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and new == cleaned.get("old_password") and "new_password1" not in self.errors:
            self.add_error("new_password1", _("新密码不能与原密码相同。"))
        return cleaned

    def save(self, commit=True):
        """Refused: a change must go through ``security.password_change``, which also
        ends the other sessions and writes the audit event."""
        raise RuntimeError("use tradereg.accounts.security.password_change")
