"""The follow-up PDFs rendered as background jobs (etatsgeneraux.jobs), on the "pdf" queue
and under the same time and memory limits as the syntheses' PDFs: the ten-times synthesis
takes over ten seconds to lay out, which no request may spend."""

from django.core.cache import cache

from etatsgeneraux.jobs.runner import job_task
from etatsgeneraux.reports.tasks import render_limits, synthesis_and_reader

from . import pdf


@job_task(queue_name="pdf")
def render_followup_pdf(job, *, synthesis_id, user_id, url, cache_key, appendix=False):
    """Renders the follow-up report, or the synthesis with its follow-up appendix, as the
    user who asked reads it, into the cache the download is served from."""
    synthesis, user = synthesis_and_reader(synthesis_id, user_id)
    job.report(10, "Mise en page de l’état d’avancement (la plus longue étape)…")
    with render_limits():
        if appendix:
            data = pdf.synthesis_pdf_with_appendix(user, synthesis)
        else:
            data = pdf.followup_pdf(user, synthesis)
    cache.set(cache_key, data)  # the key the download looks up, should the content have moved
    return {"url": url, "label": "Télécharger le PDF", "redirect": True}
