from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tradereg.core"
    label = "core"
