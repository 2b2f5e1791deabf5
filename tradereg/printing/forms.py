import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from tradereg.common.codes import is_valid_system_no, normalize_code
from tradereg.common.files import sniff_content_type
from tradereg.common.uploads import PDF
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


class VerifyPdfForm(forms.Form):
    """核验登记表PDF: the PDF itself, checked for its size and type only — it is parsed by
    the signature check and never stored, so it is not sanitised (that would break the
    signature).
    """

    pdf = forms.FileField(
        label=gettext_lazy("上传登记表PDF核验"),
        help_text=gettext_lazy(
            "从本系统打印或下载的已审核登记表PDF（正面或背面），可核验其数字签名是否完好、"
            "由哪个备案登记机关签发，以及该登记表是否仍然有效。文件只用于核验，不会保存。"
        ),
        error_messages={
            "required": gettext_lazy("请选择要核验的登记表PDF文件。"),
            "empty": gettext_lazy("上传的文件是空的，请选择登记表PDF文件。"),
        },
    )

    def clean_pdf(self) -> bytes:
        uploaded = self.cleaned_data["pdf"]
        limit = settings.ATTACHMENT_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                gettext_lazy("文件过大（%(size)s MB），核验的PDF不能超过 %(max)s MB。")
                % {"size": _mb(uploaded.size), "max": _mb(limit)},
                code="too_big",
            )
        if sniff_content_type(uploaded) != PDF:
            raise forms.ValidationError(
                gettext_lazy("文件不是PDF，请上传本系统出具的登记表PDF文件。"), code="not_pdf"
            )
        uploaded.seek(0)
        return uploaded.read()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")
