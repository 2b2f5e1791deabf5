from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "tradereg.opendata"
    verbose_name = _("开放数据")

    def ready(self) -> None:
        """Connect the change log, then the webhooks (which read its entries), to the
        registry's publishing (Django's way: the receivers' modules are imported once
        the models are loaded)."""
        from tradereg.opendata import changelog, webhooks  # noqa: F401
