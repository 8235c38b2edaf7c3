from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "etatsgeneraux.board"
    label = "board"
    verbose_name = "Tableau de l’atelier"
