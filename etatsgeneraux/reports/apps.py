from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "etatsgeneraux.reports"
    label = "reports"
    verbose_name = "Documents PDF"
