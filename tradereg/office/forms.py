from django import forms
from django.utils.translation import gettext_lazy as _

from tradereg.filings.models import Attachment, Status
from tradereg.office.selectors import FIELD_LABELS


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *Status.choices],
        initial=Status.REPORTED,
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        required=False,
        choices=[("", _("全部")), ("new", _("新备案")), ("change", _("变更"))],
    )
    date_from = forms.DateField(
        label=_("上报日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("查询"),
        required=False,
        max_length=100,
        help_text=_("系统编号、备案登记表编号、代码、名称或法定代表人证件号码"),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    flag_fields = forms.MultipleChoiceField(
        label=_("需修改的项目"),
        required=False,
        # In the order of the review page: the authority first, then the form.
        choices=[("authority", FIELD_LABELS["authority"])]
        + [(k, v) for k, v in FIELD_LABELS.items() if k != "authority"],
        widget=forms.CheckboxSelectMultiple,
    )
    flag_attachments = forms.MultipleChoiceField(
        label=_("需重新上传的附件"),
        required=False,
        choices=Attachment.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("注销原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("内部备注"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LookupForm(forms.Form):
    q = forms.CharField(label=_("代码或名称"), max_length=100)


class ClaimForm(forms.Form):
    email = forms.EmailField(label=_("确认电子邮箱"))


class IdNumberRevealForm(forms.Form):
    prefix = "reveal"  # the review page has other reason fields (退回原因, 注销原因)

    revision = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=500,
        help_text=_("查看完整证件号将记入审计日志，请写明用途，例如：核对身份证复印件。"),
        error_messages={"required": _("请填写查看完整证件号的理由。")},
    )


IMPORT_MAX_BYTES = 500 * 1024 * 1024


class LegacyImportForm(forms.Form):
    """历史数据导入: the register file and whether only to check it."""

    file = forms.FileField(
        label=_("数据文件"),
        help_text=_("CSV（UTF-8 或 GB18030 编码）或 XLSX，第一行为列名；不超过500 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("仅检查，不导入"),
        required=False,
        help_text=_("逐行检查并生成报告，不写入任何备案。"),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("请上传 CSV 或 XLSX 文件。"))
        if uploaded.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过500 MB，请分成几个文件导入。"))
        return uploaded
