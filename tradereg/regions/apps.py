from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "tradereg.regions"
    label = "regions"
