import re

from django import forms
from django.utils.translation import gettext_lazy

from tradereg.common.codes import is_valid_system_no, normalize_code
from tradereg.registry.services import CODE_ALPHABET, CODE_LENGTH

_OPERATOR_CODE_RE = re.compile(r"^[0-9A-Z]{9}$|^[0-9A-Z]{15}$|^[0-9A-Z]{18}$")
# Letters people confuse with digits in Crockford's base 32.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class PrintLookupForm(forms.Form):
    """打印登记表: the form's number and the operator's code, both required."""

    number = forms.CharField(
        label=gettext_lazy("登记表编号"),
        max_length=40,
        help_text=gettext_lazy("12位备案登记系统编号（保存时邮件告知），或8位备案登记表编号"),
    )
    code = forms.CharField(
        label=gettext_lazy("统一社会信用代码或组织机构代码"),
        max_length=40,
        help_text=gettext_lazy(
            "18位统一社会信用代码，或9位组织机构代码；无上述代码的个体工商户填写工商登记注册号"
        ),
    )

    def clean_number(self) -> str:
        number = normalize_code(self.cleaned_data["number"])
        if re.fullmatch(r"\d{8}", number):
            return number
        if len(number) == 12 and re.fullmatch(r"\d{11}[\dX]", number):
            if not is_valid_system_no(number):
                raise forms.ValidationError(
                    gettext_lazy("系统编号校验位不符，请核对后重新输入"), code="check"
                )
            return number
        raise forms.ValidationError(
            gettext_lazy("请输入12位备案登记系统编号或8位备案登记表编号"), code="format"
        )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if not _OPERATOR_CODE_RE.match(code):
            raise forms.ValidationError(
                gettext_lazy("请输入18位统一社会信用代码或9位组织机构代码"), code="format"
            )
        return code


class VerifyForm(forms.Form):
    """核验登记表: the code printed under the QR code."""

    code = forms.CharField(
        label=gettext_lazy("核验码"),
        max_length=20,
        help_text=gettext_lazy("登记表正面二维码旁的10位核验码，例如 7K3QD-92XMB"),
    )

    def clean_code(self) -> str:
        return clean_verification_code(self.cleaned_data["code"])


def clean_verification_code(value: str) -> str:
    code = normalize_code(value).translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        raise forms.ValidationError(
            gettext_lazy("核验码为10位字母或数字，请核对后重新输入"), code="format"
        )
    return code
