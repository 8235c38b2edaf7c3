"""The PDF render as a background job (etatsgeneraux.jobs), on the "pdf" queue: the number
of workers taking that queue caps how many renders run at once (README, « Travaux en
arrière-plan »)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from etatsgeneraux.jobs.runner import JobFailed, job_task
from workshops.models import PublishedVersion, Synthesis


@job_task(queue_name="pdf")
def render_pdf(job, *, synthesis_id, user_id, url, thematic=None, position=None, version=None):
    """Renders the PDF the user asked for, as they read it, into the shared PDF cache."""
    from . import pdf as reports
    from .rendering import shown

    synthesis = Synthesis.objects.filter(pk=synthesis_id).first()
    if synthesis is None:
        raise JobFailed("Cette synthèse n’existe plus.")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    user = user or AnonymousUser()
    job.report(5, "Lecture de la synthèse…")
    try:
        if version is not None:
            published = PublishedVersion.objects.get(synthesis=synthesis, number=version)
            report = reports.build_version_report(synthesis, published)
        elif position is not None:
            report = reports.build_proposal_report(
                synthesis,
                position,
                version=shown(user, synthesis, None, position)[1].get(synthesis.pk),
            )
        else:
            syntheses, versions, unpublished = shown(user, synthesis, thematic, None)
            report = reports.build_report(
                synthesis,
                user,
                thematic=thematic,
                versions=versions,
                unpublished=unpublished,
                syntheses=syntheses,
            )
    except (LookupError, PublishedVersion.DoesNotExist) as error:
        raise JobFailed(f"Ce document n’existe plus ({error}).") from error
    job.report(20, "Mise en page du document (la plus longue étape)…")
    rendered = reports.report_pdf(report)
    return {
        "url": url,
        "label": f"Télécharger le PDF ({rendered.pages}\u00a0pages)",
        "redirect": True,
    }
