from django.apps import AppConfig


class SynthesesConfig(AppConfig):
    name = "etatsgeneraux.syntheses"
    label = "syntheses"
    verbose_name = "Pages des synthèses"
