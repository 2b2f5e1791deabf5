import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from tradereg.opendata.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=100,
        help_text=_("使用单位和用途，如“某银行 客户准入核验”。"),
        error_messages={"required": _("请填写名称。")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项权限范围。")},
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=43, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = secrets.token_urlsafe(32)
