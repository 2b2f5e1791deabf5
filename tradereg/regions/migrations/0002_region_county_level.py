from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="region",
            name="level",
            field=models.CharField(
                choices=[("province", "省级"), ("prefecture", "地级"), ("county", "县级")],
                max_length=12,
                verbose_name="级别",
            ),
        ),
    ]
