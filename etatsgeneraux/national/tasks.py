"""The national synthesis PDF rendered as a background job (etatsgeneraux.jobs), on the
"pdf" queue, under the syntheses' render limits: its length grows with every tag."""

from django.contrib.auth import get_user_model
from django.core.cache import cache

from etatsgeneraux.jobs.runner import JobFailed, job_task
from etatsgeneraux.reports.tasks import render_limits

from . import document


@job_task(queue_name="pdf")
def render_national_pdf(job, *, user_id, url, cache_key):
    """Renders the document as its requester reads it into the cache its download uses."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise JobFailed("Le compte qui a demandé ce document n’existe plus.")
    job.report(10, "Mise en page de la synthèse nationale…")
    with render_limits():
        cache.set(cache_key, document.render_pdf(user))
    return {"url": url, "label": "Télécharger le PDF", "redirect": True}
