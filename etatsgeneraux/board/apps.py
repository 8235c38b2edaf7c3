from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "etatsgeneraux.board"
    label = "board"
    verbose_name = "Tableau de l’atelier"

    def ready(self):
        # Every change of a synthesis, wherever it is made, moves the live boards' markers.
        from workshops.changes import content_changed

        from . import live

        content_changed.connect(live.on_content_changed, dispatch_uid="board-live-markers")
