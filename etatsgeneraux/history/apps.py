from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "etatsgeneraux.history"
    label = "history"
    verbose_name = "Historique"
