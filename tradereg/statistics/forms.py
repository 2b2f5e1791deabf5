from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_ERRORS = {"invalid": _("请输入有效的日期，例如 2026-01-31。")}
# Further back than any filing of this system; a typo like 0202 is caught here.
EARLIEST = date(2000, 1, 1)


class RangeForm(forms.Form):
    """起始日期 / 截止日期 of the statistics; both inclusive."""

    date_from = forms.DateField(
        label=_("起始日期"),
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("截止日期"),
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_date_from(self) -> date:
        value = self.cleaned_data["date_from"]
        if value < EARLIEST:
            raise forms.ValidationError(_("起始日期不能早于 2000-01-01。"))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


TABLES = {
    "month": _("按月份"),
    "authority": _("按备案登记机关"),
    "type": _("按经营者类型"),
}
FORMATS = ("csv", "xlsx")


class ExportForm(RangeForm):
    table = forms.ChoiceField(choices=list(TABLES.items()))
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS])
