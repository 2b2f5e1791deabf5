from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tradereg.accounts"
    label = "accounts"
