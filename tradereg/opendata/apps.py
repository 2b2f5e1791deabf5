from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "tradereg.opendata"
    verbose_name = "开放数据"

    def ready(self) -> None:
        """Connect the change log, then the webhooks (which read its entries), to the
        registry's publishing (Django's way: the receivers' modules are imported once
        the models are loaded)."""
        from tradereg.opendata import changelog, webhooks  # noqa: F401
