from django.apps import AppConfig


class FilingsConfig(AppConfig):
    name = "tradereg.filings"
    label = "filings"
