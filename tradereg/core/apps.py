from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tradereg.core"
    label = "core"

    def ready(self) -> None:
        # Registers the deployment checks.
        from tradereg.core import checks  # noqa: F401
