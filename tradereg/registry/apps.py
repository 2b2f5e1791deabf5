from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "tradereg.registry"
    label = "registry"
