from django.apps import AppConfig

from tradereg.audit import conf


class AuditConfig(AppConfig):
    name = "tradereg.audit"
    label = "audit"

    def ready(self) -> None:
        # Refuse to start with a retention shorter than the law asks for, not only when
        # the purge command runs.
        conf.retention_days()
