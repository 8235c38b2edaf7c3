"""The follow-up PDFs rendered as background jobs (etatsgeneraux.jobs), on the "pdf" queue
and under the same time and memory limits as the syntheses' PDFs: the ten-times synthesis
takes over ten seconds to lay out, which no request may spend."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from etatsgeneraux.jobs.runner import JobFailed, job_task
from etatsgeneraux.reports.tasks import render_limits
from workshops.models import Synthesis

from . import pdf


@job_task(queue_name="pdf")
def render_followup_pdf(job, *, synthesis_id, user_id, url, cache_key, appendix=False):
    """Renders the follow-up report, or the synthesis with its follow-up appendix, as the
    user who asked reads it, into the cache the download is served from."""
    synthesis = Synthesis.objects.filter(pk=synthesis_id).first()
    if synthesis is None:
        raise JobFailed("Cette synthèse n’existe plus.")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    user = user or AnonymousUser()
    job.report(10, "Mise en page de l’état d’avancement (la plus longue étape)…")
    with render_limits():
        if appendix:
            data = pdf.synthesis_pdf_with_appendix(user, synthesis)
        else:
            data = pdf.followup_pdf(user, synthesis)
    cache.set(cache_key, data)  # the key the download looks up, should the content have moved
    return {"url": url, "label": "Télécharger le PDF", "redirect": True}
