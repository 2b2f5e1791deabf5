from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Installed only so that Django finds the `bench` management command; no models."""

    name = "tradereg.devtools"
    label = "devtools"
