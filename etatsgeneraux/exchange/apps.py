from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "etatsgeneraux.exchange"
    label = "exchange"
    verbose_name = "Échanges de documents"
