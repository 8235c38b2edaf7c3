from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "etatsgeneraux.devtools"
    label = "devtools"
    verbose_name = "Outils de développement"
