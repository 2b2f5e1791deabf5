from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "tradereg.office"
    label = "office"
