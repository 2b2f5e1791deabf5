from django.apps import AppConfig


class AuthoritiesConfig(AppConfig):
    name = "tradereg.authorities"
    label = "authorities"
