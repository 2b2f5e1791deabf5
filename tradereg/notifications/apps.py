from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tradereg.notifications"
    label = "notifications"
