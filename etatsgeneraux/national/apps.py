from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "etatsgeneraux.national"
    label = "national"
    verbose_name = "Vue nationale"

    def ready(self):
        # Every change of a synthesis's content re-indexes what it touched.
        from . import index

        index.connect_signals()
