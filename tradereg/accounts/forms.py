from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tradereg.accounts.models import User
from tradereg.accounts.validators import USERNAME_RE
from tradereg.common.forms import required_messages_name_their_field


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


class AccountForm(forms.Form):
    """The user information block of step 3."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=30,
        help_text=_("4–30位字母、数字或 _ - .，请牢记"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        help_text=_("至少8位，至少包含大写字母、小写字母、数字、符号中的三种"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email
        required_messages_name_their_field(self)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not USERNAME_RE.match(username):
            raise ValidationError(gettext("用户名须为4–30位字母、数字或 _ - . 组成。"))
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(gettext("该用户名已被使用，请换一个。"))
        return username

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", gettext("两次输入的密码不一致。"))
        if password1:
            candidate = User(
                username=cleaned.get("username", ""),
                email=self._email if self._email is not None else self.data.get("email", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class OTPTokenForm(forms.Form):
    """动态验证码: six digits from the authenticator app (or, to verify, a recovery code)."""

    token = forms.CharField(
        label=_("动态验证码"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if recovery:
            self.fields["token"].help_text = _(
                "请输入身份验证器应用显示的6位数字；手机不在身边时，可输入一个恢复码。"
            )
        else:
            self.fields["token"].help_text = _("请输入身份验证器应用显示的6位数字。")
