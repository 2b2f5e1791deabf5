from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tradereg.audit"
    label = "audit"
