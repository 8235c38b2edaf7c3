from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "etatsgeneraux.followup"
    label = "followup"
    verbose_name = "Suivi des plans d’action"
