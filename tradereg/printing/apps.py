from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "tradereg.printing"
    label = "printing"
