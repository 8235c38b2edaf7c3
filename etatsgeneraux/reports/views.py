"""Each report as an HTML preview or a PDF download, for whoever may read the synthesis.

A published synthesis is printed as the user reads it: its last published version for its
readers, its working version for those who manage it (etatsgeneraux.publishing.versions).
Every published version stays downloadable (`version_pdf`).
"""

from functools import partial

from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header

from workshops.forms import positive_int
from workshops.models import PublishedVersion, Synthesis
from workshops.permissions import readable_synthesis, versions_read_by

from . import pdf as reports
from . import rendering


def _former_thematic_url(request, synthesis, view_name):
    """The permanent redirection of a former thematic link, or None.

    Links used to name a section by its position in the synthesis (`?thematique=2` after
    the synthesis's URL); a section is now named by its thematic's canonical number, in the
    URL's path, as on the board (README, « Numérotation des thématiques »).
    """
    value = request.GET.get("thematique")
    if value in (None, ""):
        return None
    position = positive_int(value)
    section = None
    if position is not None:
        section = synthesis.sections.select_related("thematic").filter(position=position).first()
    if section is None:
        raise Http404("Numéro de thématique invalide.")
    return HttpResponsePermanentRedirect(
        reverse(view_name, args=[synthesis.slug, section.thematic.number])
    )


def _preview(request, report):
    return HttpResponse(reports.render_html(report, for_pdf=False, request=request))


def _pdf(request, synthesis, build, *, thematic=None, position=None, version=None):
    """The PDF from the cache when its content is unchanged, else rendered and cached: in
    the request for a small one, else by a background job whose progress page the user is
    sent to (`rendering`).

    The cache key hashes the content without loading the report, so a cached PDF (or a
    304 for a matching ETag) costs one query per table and no rendering. `build` gets the
    versions the user reads (see `_shown`) and whether the report holds changes not
    published yet.
    """
    if version is not None:
        syntheses, versions, unpublished = [synthesis], {synthesis.pk: version}, False
    else:
        syntheses, versions, unpublished = _shown(request, synthesis, thematic, position)
    key = reports.pdf_key(
        syntheses,
        thematic=thematic,
        position=position,
        versions=versions,
        unpublished=unpublished,
    )
    etag = f'"{key.rsplit(":", 1)[-1][:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers={"ETag": etag})
    rendered = reports.cached_pdf(key)
    if rendered is None and not rendering.renders_inline(syntheses):
        job = rendering.background_render(
            request,
            synthesis,
            key,
            thematic=thematic,
            position=position,
            version=version.number if version is not None else None,
        )
        return redirect(job)
    if rendered is None:
        try:
            report = build(versions=versions, unpublished=unpublished, syntheses=syntheses)
        except LookupError as error:
            raise Http404(str(error)) from error
        report.cache_key = key
        rendered = reports.report_pdf(report)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    filename = reports.pdf_filename(
        synthesis,
        thematic=thematic,
        position=position,
        version=version.number if version is not None else None,
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = etag
    # What a logged-in user gets may hold drafts (the synthesis or its annexes): no shared
    # cache may keep it.
    public = synthesis.status == Synthesis.Status.PUBLISHED and not request.user.is_authenticated
    response["Cache-Control"] = "no-cache" if public else "private, no-cache"
    return response


def _shown(request, synthesis, thematic, position):
    return reports.shown_to(request.user, synthesis, thematic, position)


def _build_proposal(synthesis, position, *, versions, unpublished=False, syntheses=None):
    return reports.build_proposal_report(synthesis, position, version=versions.get(synthesis.pk))


@readable_synthesis
def synthesis_preview(request, synthesis):
    return _former_thematic_url(request, synthesis, "reports:thematic_preview") or _report_preview(
        request, synthesis, None
    )


@readable_synthesis
def thematic_preview(request, synthesis, number):
    return _report_preview(request, synthesis, number)


def _report_preview(request, synthesis, thematic):
    syntheses, versions, unpublished = _shown(request, synthesis, thematic, None)
    try:
        report = reports.build_report(
            synthesis,
            request.user,
            thematic=thematic,
            versions=versions,
            unpublished=unpublished,
            syntheses=syntheses,
        )
    except LookupError as error:
        raise Http404(str(error)) from error
    return _preview(request, report)


@readable_synthesis
def synthesis_pdf(request, synthesis):
    return _former_thematic_url(request, synthesis, "reports:thematic_pdf") or _report_pdf(
        request, synthesis, None
    )


@readable_synthesis
def thematic_pdf(request, synthesis, number):
    return _report_pdf(request, synthesis, number)


def _report_pdf(request, synthesis, thematic):
    build = partial(reports.build_report, synthesis, request.user, thematic=thematic)
    return _pdf(request, synthesis, build, thematic=thematic)


@readable_synthesis
def proposal_preview(request, synthesis, position):
    versions = versions_read_by(request.user, [synthesis])
    try:
        report = _build_proposal(synthesis, position, versions=versions)
    except LookupError as error:
        raise Http404(str(error)) from error
    return _preview(request, report)


@readable_synthesis
def proposal_pdf(request, synthesis, position):
    build = partial(_build_proposal, synthesis, position)
    return _pdf(request, synthesis, build, position=position)


@readable_synthesis
def version_pdf(request, synthesis, number):
    """One published version of the synthesis, as it was published (without annexes)."""
    version = get_object_or_404(PublishedVersion, synthesis=synthesis, number=number)

    def build(**_shown):
        return reports.build_version_report(synthesis, version)

    return _pdf(request, synthesis, build, version=version)
