from django.apps import AppConfig

# Importing the module registers the deployment checks; it touches no model.
from tradereg.core import checks  # noqa: F401


class CoreConfig(AppConfig):
    name = "tradereg.core"
    label = "core"
