from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "etatsgeneraux.reports"
    label = "reports"
    verbose_name = "Documents PDF"

    def ready(self):
        # After every change of a synthesis, its PDFs are rendered again in the background
        # (debounced), so that downloads come warm.
        from workshops.changes import content_changed

        from . import rendering

        content_changed.connect(rendering.on_content_changed, dispatch_uid="reports-warm-pdfs")
