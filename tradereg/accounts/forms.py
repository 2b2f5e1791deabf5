from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"),
        max_length=254,
        help_text=_("也可填写注册时的电子邮箱"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续多次输错后账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系备案登记机关。"),
    }


class PasswordForgotForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=30)
    email = forms.EmailField(label=_("电子邮箱"))


class PasswordResetForm(SetPasswordForm):
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，至少包含大写字母、小写字母、数字、符号中的三种"),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    error_messages = {"password_mismatch": _("两次输入的密码不一致。")}
