from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "etatsgeneraux.publishing"
    label = "publishing"
    verbose_name = "Publication des synthèses"

    def ready(self):
        # A synthesis that becomes published gets its first published version.
        from . import versions

        versions.connect_signals()
