"""批量核验's upload: one CSV file, checked and parsed here so that every problem is a
message next to the field."""

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy

from tradereg.opendata import batch

EXTENSIONS = {".csv", ".txt"}


class BatchVerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("核验文件"),
        help_text=gettext_lazy(
            "CSV文件，每行一个核验码、进出口企业代码或统一社会信用代码（第一列），可有标题行，"
            "UTF-8或GB18030编码，每次最多10000条。文件只用于核验，不会保存。"
        ),
        error_messages={
            "required": gettext_lazy("请选择要核验的CSV文件。"),
            "empty": gettext_lazy("上传的文件是空的。"),
        },
    )

    def clean_file(self) -> tuple[bytes, list[batch.Code]]:
        """The bytes (the receipt hashes them) and the codes in them."""
        uploaded = self.cleaned_data["file"]
        if PurePath(uploaded.name or "").suffix.lower() not in EXTENSIONS:
            raise forms.ValidationError(
                gettext_lazy("请上传CSV文件（.csv 或 .txt）。"), code="not_csv"
            )
        if uploaded.size > batch.MAX_BYTES:
            raise forms.ValidationError(
                gettext_lazy("文件过大，每次核验的文件不能超过 %(mb)d MB。")
                % {"mb": batch.MAX_BYTES // 2**20},
                code="too_big",
            )
        data = uploaded.read()
        try:
            codes = batch.codes_parse(data)
        except batch.BatchRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None
        return data, codes
