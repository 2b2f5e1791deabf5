from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "tradereg.opendata"
    verbose_name = "开放数据"

    def ready(self) -> None:
        """Connect the change log to the registry's publishing (Django's way: the
        receivers' module is imported once the models are loaded)."""
        from tradereg.opendata import changelog  # noqa: F401
