"""« Publier les modifications »: the page that says what changed since the last publication
and publishes the working version (etatsgeneraux.publishing.versions)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from workshops.models import Synthesis, SynthesisArchived
from workshops.permissions import editable_synthesis

from . import versions


@editable_synthesis
def publish(request, synthesis):
    """« Publier les modifications »: a page that says what changed since the last
    publication, then the POST that publishes (409, with the reason, when refused)."""
    page = reverse("syntheses:detail", args=[synthesis.slug])
    error, status, planned = None, 200, None
    if request.method == "POST":
        try:
            version = versions.publish(synthesis, request.user)
        except versions.PublishingRefused as refusal:
            error, status = str(refusal), 409
        except SynthesisArchived as refusal:
            error, status = str(refusal), 409
        else:
            messages.success(
                request,
                f"Version {version.number} publiée\u00a0: ses lecteurs lisent désormais "
                "la synthèse telle que vous l’avez publiée.",
            )
            return redirect(page + "#versions")
    if synthesis.status != Synthesis.Status.PUBLISHED and error is None:
        messages.info(
            request,
            "Cette synthèse est un brouillon\u00a0: ses lecteurs lisent déjà ce qui "
            "s’écrit. Elle se publie depuis l’administration.",
        )
        return redirect(page)
    if error is None:
        try:
            planned = versions.preview(synthesis)
        except versions.PublishingRefused as refusal:
            error, status = str(refusal), 409
    context = {
        "synthesis": synthesis,
        "error": error,
        "planned": planned,
        "changes": versions.describe(planned.summary) if planned is not None else [],
    }
    return render(request, "publishing/publish.html", context, status=status)
