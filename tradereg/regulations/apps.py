from django.apps import AppConfig


class RegulationsConfig(AppConfig):
    name = "tradereg.regulations"
    label = "regulations"
