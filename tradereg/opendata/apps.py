from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "tradereg.opendata"
    verbose_name = "开放数据"
