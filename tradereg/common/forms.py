"""What a form says when a required field is empty: the field's own name (请填写经营者
中文名称), not Django's "这个字段是必填项。", which leaves a clerk to find the field."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

GENERIC_REQUIRED = forms.Field.default_error_messages["required"]


def required_messages_name_their_field(form: forms.BaseForm) -> None:
    """Give each required field of ``form`` without a message of its own one that names
    it: 请选择… for a choice, 请填写… for the rest. Call after the labels are final."""
    for field in form.fields.values():
        if not field.required or field.error_messages.get("required") != GENERIC_REQUIRED:
            continue
        chosen = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
        template = _("请选择{label}。") if chosen else _("请填写{label}。")
        field.error_messages = {
            **field.error_messages,
            "required": format_lazy(template, label=field.label),
        }
