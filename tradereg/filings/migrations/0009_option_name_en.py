"""English names of the form options (经营者类型, 币种) for English pages; the rows an
installation already has get the names of the data files as they were at this change."""

from django.db import migrations, models

OPERATOR_TYPES = {
    "国有企业": "State-owned enterprise",
    "集体企业": "Collective enterprise",
    "私营企业": "Private enterprise",
    "中外合资企业": "Sino-foreign equity joint venture",
    "中外合作企业": "Sino-foreign cooperative joint venture",
    "外商独资企业": "Wholly foreign-owned enterprise",
    "其他企业": "Other enterprise",
    "外国（地区）企业": "Foreign (regional) enterprise",
    "个体工商户（独资经营者）": "Individual business (sole proprietor)",
}
CURRENCIES = {
    "CNY": "RMB",
    "USD": "US dollar",
    "EUR": "Euro",
    "HKD": "Hong Kong dollar",
    "JPY": "Japanese yen",
    "GBP": "Pound sterling",
    "XXX": "Other",
}


def names_en_fill(apps, schema_editor):
    operator_type = apps.get_model("filings", "OperatorType")
    currency = apps.get_model("filings", "Currency")
    for name, name_en in OPERATOR_TYPES.items():
        operator_type.objects.filter(name=name, name_en="").update(name_en=name_en)
    for code, name_en in CURRENCIES.items():
        currency.objects.filter(code=code, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0008_attachment_file_removed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="currency",
            name="name_en",
            field=models.CharField(blank=True, max_length=50, verbose_name="英文名称"),
        ),
        migrations.AddField(
            model_name="operatortype",
            name="name_en",
            field=models.CharField(blank=True, max_length=100, verbose_name="英文名称"),
        ),
        migrations.RunPython(names_en_fill, migrations.RunPython.noop),
    ]
