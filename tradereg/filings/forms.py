"""The registration form (FORM.md, step 3) and the step-2 choice of authority and method.

Every rule of FORM.md is enforced here, on the server; the page's script only helps.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradereg.authorities.models import Authority
from tradereg.common import codes
from tradereg.common.forms import required_messages_name_their_field
from tradereg.common.problems import problem_text
from tradereg.common.uploads import UploadLimits
from tradereg.filings.models import (
    Attachment,
    Currency,
    Filing,
    FilingRevision,
    IdType,
    Method,
    OperatorType,
    Section,
)

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
PHONE_RE = re.compile(r"^[0-9 +\-()]{7,32}$")
POSTCODE_RE = re.compile(r"^\d{6}$")
EARLIEST_REGISTRATION = date(1949, 10, 1)

SECTION_LABELS = {
    Section.A: {
        "representative": gettext_lazy("企业法定代表人姓名"),
        "capital": gettext_lazy("注册资金（万元）"),
        "heading": gettext_lazy("依法办理工商登记的企业还须填写以下内容"),
    },
    Section.B: {
        "representative": gettext_lazy("企业法定代表人/个体工商负责人姓名"),
        "capital": gettext_lazy("企业资产/个人财产（万元）"),
        "heading": gettext_lazy(
            "依法办理工商登记的外国（地区）企业或个体工商户（独资经营者）还须填写以下内容"
        ),
    },
}


def half_width(value: str) -> str:
    """Full-width digits and signs typed with a Chinese IME become their ASCII forms."""
    return unicodedata.normalize("NFKC", value).strip()


def has_usd_rate(currency: Currency) -> bool:
    """Whether 折美元 can be computed: the rate column is required, so the reference data
    gives a currency without a rate (其他) the rate 0.
    """
    return currency.usd_rate > 0


class AuthorityField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Authority.objects.filter(is_active=True).select_related("region"),
            to_field_name="code",
            label=gettext_lazy("备案登记机关"),
            error_messages={
                "required": gettext_lazy("请点击【选择】选择备案登记机关。"),
                "invalid_choice": gettext_lazy("所选备案登记机关不存在，请重新选择。"),
            },
            widget=forms.HiddenInput,
            **kwargs,
        )


class StartForm(forms.Form):
    """Step 2: 备案登记机关 and 备案登记方式."""

    authority = AuthorityField()
    method = forms.ChoiceField(
        label=gettext_lazy("备案登记方式"),
        choices=Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择备案登记方式。")},
    )


class FilingForm(forms.Form):
    """The front of the registration form; the method decides which code field applies."""

    name_cn = forms.CharField(label=gettext_lazy("经营者中文名称"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("经营者英文名称"), max_length=256)
    uscc = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    org_code = forms.CharField(
        label=gettext_lazy("组织机构代码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    operator_type = forms.ModelChoiceField(
        label=gettext_lazy("经营者类型"),
        queryset=OperatorType.objects.filter(is_active=True),
        empty_label=gettext_lazy("请选择"),
    )
    residence = forms.CharField(label=gettext_lazy("住所"), max_length=200)
    premises_cn = forms.CharField(label=gettext_lazy("经营场所（中文）"), max_length=200)
    premises_en = forms.CharField(label=gettext_lazy("经营场所（英文）"), max_length=256)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=40)
    fax = forms.CharField(label=gettext_lazy("联系传真"), max_length=40, required=False)
    postcode = forms.CharField(label=gettext_lazy("邮政编码"), max_length=12)
    email = forms.EmailField(
        label=gettext_lazy("电子邮箱"),
        help_text=gettext_lazy("请填写真实有效的邮箱：系统编号和重置密码邮件都发送至此"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    registration_date = forms.DateField(
        label=gettext_lazy("工商登记注册日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    registration_no = forms.CharField(
        label=gettext_lazy("工商登记注册号"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("18位统一社会信用代码或15位注册号"),
    )
    representative = forms.CharField(
        label=SECTION_LABELS[Section.A]["representative"], max_length=50
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = forms.CharField(label=gettext_lazy("有效证件号"), max_length=40)
    capital = forms.DecimalField(
        label=SECTION_LABELS[Section.A]["capital"],
        min_value=0,
        max_digits=20,
        decimal_places=6,
    )
    currency = forms.ModelChoiceField(
        label=gettext_lazy("币种"), queryset=Currency.objects.all(), empty_label=None
    )
    capital_usd = forms.DecimalField(
        label=gettext_lazy("折美元（万美元）"),
        min_value=0,
        max_digits=20,
        decimal_places=6,
        required=False,
        help_text=gettext_lazy("按汇率自动折算，可修改；币种为“其他”时请自行填写"),
    )
    remarks = forms.CharField(
        label=gettext_lazy("备注"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The revision the edit page was opened on: 保存 is refused if another save (another
    # tab, another clerk) has landed since, instead of silently writing over it.
    revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.method = method
        if method == Method.USCC:
            del self.fields["org_code"]
        else:
            del self.fields["uscc"]
        default_currency = Currency.objects.filter(is_default=True).first()
        if default_currency is not None:
            self.fields["currency"].initial = default_currency.pk
        section = self.section
        self.fields["representative"].label = SECTION_LABELS[section]["representative"]
        self.fields["capital"].label = SECTION_LABELS[section]["capital"]
        self.fields["operator_type"].widget.attrs["data-sections"] = ",".join(
            f"{t.pk}:{t.section}" for t in self.fields["operator_type"].queryset
        )
        # Only real rates: the page's script leaves 折美元 alone for a currency without one.
        self.fields["currency"].widget.attrs["data-rates"] = ",".join(
            f"{c.pk}:{c.usd_rate}" for c in self.fields["currency"].queryset if has_usd_rate(c)
        )
        required_messages_name_their_field(self)

    @property
    def section(self) -> str:
        """Section A or B, from the type as typed (or as saved) so the labels follow it."""
        raw = self.data.get(self.add_prefix("operator_type")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("operator_type")
        raw = getattr(raw, "pk", raw)
        if raw:
            try:
                found = OperatorType.objects.filter(pk=int(raw)).first()
            except (TypeError, ValueError):
                found = None
            if found is not None:
                return found.section
        return Section.A

    @property
    def section_heading(self) -> str:
        return SECTION_LABELS[self.section]["heading"]

    def clean_name_cn(self) -> str:
        value = " ".join(self.cleaned_data["name_cn"].split())
        if not CJK_RE.search(value):
            raise ValidationError(_("经营者中文名称须包含中文。"))
        return value

    def _ascii(self, field: str) -> str:
        value = self.cleaned_data[field].strip()
        problem = codes.ascii_problem(value)
        if problem:
            raise ValidationError(problem_text(problem))
        return value

    def clean_name_en(self) -> str:
        return self._ascii("name_en")

    def clean_premises_en(self) -> str:
        return self._ascii("premises_en")

    def clean_uscc(self) -> str:
        value = codes.normalize_code(self.cleaned_data["uscc"])
        problem = codes.uscc_problem(value)
        if problem:
            raise ValidationError(problem_text(problem))
        return value

    def clean_org_code(self) -> str:
        value = codes.normalize_code(self.cleaned_data.get("org_code", ""))
        if value:
            problem = codes.org_code_problem(value)
            if problem:
                raise ValidationError(problem_text(problem))
        return value

    def _phone(self, field: str) -> str:
        value = half_width(self.cleaned_data.get(field, ""))
        if value and not PHONE_RE.match(value):
            raise ValidationError(_("请填写7–32位电话号码，可包含数字、空格和 + - ( )。"))
        return value

    def clean_phone(self) -> str:
        return self._phone("phone")

    def clean_fax(self) -> str:
        return self._phone("fax")

    def clean_postcode(self) -> str:
        value = half_width(self.cleaned_data["postcode"])
        if not POSTCODE_RE.match(value):
            raise ValidationError(_("邮政编码应为6位数字。"))
        return value

    def clean_registration_date(self) -> date:
        value = self.cleaned_data["registration_date"]
        if value > timezone.localdate():
            raise ValidationError(_("工商登记注册日期不能晚于今天。"))
        if value < EARLIEST_REGISTRATION:
            raise ValidationError(_("工商登记注册日期不能早于1949年10月1日。"))
        return value

    def clean_registration_no(self) -> str:
        return codes.normalize_code(self.cleaned_data.get("registration_no", ""))

    def clean_representative(self) -> str:
        return " ".join(self.cleaned_data["representative"].split())

    def clean(self):
        cleaned = super().clean()
        self._clean_org_code_required(cleaned)
        self._clean_registration_no(cleaned)
        self._clean_id_number(cleaned)
        self._clean_capital_usd(cleaned)
        return cleaned

    def _clean_org_code_required(self, cleaned: dict) -> None:
        operator_type = cleaned.get("operator_type")
        if (
            self.method == Method.OTHER
            and not cleaned.get("org_code")
            and "org_code" not in self.errors
            and (operator_type is None or operator_type.org_code_required)
        ):
            self.add_error("org_code", _("请填写组织机构代码（个体工商户可不填）。"))
        if self.method == Method.USCC:
            cleaned["org_code"] = ""
        else:
            cleaned["uscc"] = ""

    def _clean_registration_no(self, cleaned: dict) -> None:
        value = cleaned.get("registration_no", "")
        if not value and self.method == Method.USCC and cleaned.get("uscc"):
            value = cleaned["uscc"]
        if not value:
            if "registration_no" not in self.errors:
                self.add_error("registration_no", _("请填写工商登记注册号。"))
            return
        if len(value) == 18:
            problem = codes.uscc_problem(value)
            if problem is None and self.method == Method.USCC and cleaned.get("uscc"):
                problem = codes.registration_no_uscc_problem(value, cleaned["uscc"])
        elif len(value) == 15:
            problem = codes.legacy_reg_no_problem(value)
        else:
            problem = _("工商登记注册号应为18位统一社会信用代码或15位注册号，当前为%(n)d位。") % {
                "n": len(value)
            }
        if problem:
            self.add_error("registration_no", problem_text(problem))
        else:
            cleaned["registration_no"] = value

    def _clean_id_number(self, cleaned: dict) -> None:
        raw = self.cleaned_data.get("id_number")
        if raw is None:
            return
        if cleaned.get("id_type") == IdType.RESIDENT_ID:
            value = codes.normalize_code(raw)
            problem = codes.resident_id_problem(value)
        else:
            value = half_width(raw)
            problem = None if 5 <= len(value) <= 32 else _("证件号码应为5–32个字符。")
        if problem:
            self.add_error("id_number", problem_text(problem))
        else:
            cleaned["id_number"] = value

    def _clean_capital_usd(self, cleaned: dict) -> None:
        """Pre-compute 折美元 from the rate when left blank; without a rate, ask for it."""
        capital, currency = cleaned.get("capital"), cleaned.get("currency")
        if cleaned.get("capital_usd") is not None or "capital_usd" in self.errors:
            return
        if currency is not None and not has_usd_rate(currency):
            self.add_error(
                "capital_usd",
                _("币种“%(name)s”没有折美元汇率，请填写折美元金额。") % {"name": currency.name},
            )
        elif capital is not None and currency is not None:
            cleaned["capital_usd"] = (capital * currency.usd_rate).quantize(
                Decimal("0.000001"), rounding=ROUND_HALF_UP
            )
        else:
            self.add_error("capital_usd", _("请填写折美元金额。"))


def revision_values(revision: FilingRevision) -> dict[str, str]:
    """A revision's data as the edit form posts it."""
    values: dict[str, str] = {}
    for name in FilingForm.base_fields:
        value = getattr(revision, name, None)
        if isinstance(value, Decimal):
            values[name] = format(value.normalize(), "f")
        elif isinstance(value, date):
            values[name] = value.isoformat()
        elif hasattr(value, "pk"):
            values[name] = str(value.pk)
        elif value is not None:
            values[name] = str(value)
    return values


def _same(one: object, other: object) -> bool:
    return ("" if one is None else one) == ("" if other is None else other)


@dataclass
class ConcurrentSave:
    """The edit page again after its 保存 was refused because another save came first."""

    form: FilingForm
    authority: Authority
    number: int  # the revision saved since, which the page now stands on
    taken: list[str] = field(default_factory=list)  # filled in from the other save
    conflicts: list[str] = field(default_factory=list)  # changed by both: this page's kept


def merge_concurrent_save(
    form: FilingForm, *, filing: Filing, authority: Authority
) -> ConcurrentSave:
    """Three-way merge of what this page posted, the revision it was opened on and the one
    saved since: what only the other save changed is filled in from it, what only this
    page changed stays as typed, what both changed stays as typed and is named. Nothing is
    saved; the person checks and presses 保存 again, and neither save is lost.
    """
    saved = filing.revisions.select_related("authority").order_by("-number").first()
    if saved is None:
        raise ValueError("a filing always has a revision")
    seen = filing.revisions.filter(number=form.cleaned_data.get("revision")).first() or saved
    data = form.data.copy()
    merged = ConcurrentSave(form=form, authority=authority, number=saved.number)
    saved_values = revision_values(saved)
    for name, form_field in form.fields.items():
        if name == "revision":
            continue
        mine, base, theirs = form.cleaned_data.get(name), getattr(seen, name), getattr(saved, name)
        if _same(base, theirs):
            continue
        if _same(mine, base):
            data[name] = saved_values.get(name, "")
            merged.taken.append(str(form_field.label))
        elif not _same(mine, theirs):
            merged.conflicts.append(str(form_field.label))
    if seen.authority_id != saved.authority_id:
        label = str(AuthorityField().label)
        if authority.pk == seen.authority_id:
            merged.authority = saved.authority
            data["authority"] = saved.authority.code
            merged.taken.append(label)
        elif authority.pk != saved.authority_id:
            merged.conflicts.append(label)
    data["revision"] = str(saved.number)
    merged.form = FilingForm(data, method=form.method)
    return merged


class AttachmentForm(forms.Form):
    """One file and its kind; the limits are shown beside the field before anything is sent."""

    kind = forms.ChoiceField(label=gettext_lazy("附件类型"), choices=Attachment.Kind.choices)
    file = forms.FileField(label=gettext_lazy("选择文件"))

    def __init__(self, *args, limits: UploadLimits | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits or UploadLimits.from_settings()
        self.fields["file"].help_text = _("PDF、JPEG 或 PNG 文件。") + self.limits.describe()
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > self.limits.max_file_bytes:
            raise ValidationError(self.limits.file_too_big(uploaded.size))
        return uploaded
