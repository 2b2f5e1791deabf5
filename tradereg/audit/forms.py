from django import forms
from django.utils.translation import gettext_lazy as _

from tradereg.audit import labels
from tradereg.audit.models import Outcome
from tradereg.audit.selectors import AuditFilters


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    """The filters of /audit/; the event and object choices are what the trail holds."""

    date_from = forms.DateField(label=_("从"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("至"), required=False, widget=DateInput)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    event = forms.ChoiceField(label=_("事件"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    outcome = forms.ChoiceField(
        label=_("结果"), required=False, choices=[("", _("全部")), *Outcome.choices]
    )

    def __init__(self, *args, events: list[str], object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [
            ("", _("全部")),
            *((code, labels.event_label(code)) for code in events),
        ]
        self.fields["object_type"].choices = [
            ("", _("全部")),
            *((value, labels.object_label(value)) for value in object_types),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> AuditFilters:
        """The valid filters (call after is_valid; an invalid form filters nothing)."""
        if not self.is_bound or not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            actor=data["actor"].strip(),
            event=data["event"],
            object_type=data["object_type"],
            object_id=data["object_id"].strip(),
            outcome=data["outcome"],
        )
