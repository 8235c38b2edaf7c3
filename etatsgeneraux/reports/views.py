"""Each report as an HTML preview or a PDF download, for whoever may read the synthesis."""

from functools import partial

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import content_disposition_header

from workshops.forms import positive_int
from workshops.models import Synthesis
from workshops.permissions import readable_synthesis

from . import pdf as reports


def _thematic(request):
    value = request.GET.get("thematique")
    if value in (None, ""):
        return None
    number = positive_int(value)
    if number is None:
        raise Http404("Numéro de thématique invalide.")
    return number


def _preview(request, report):
    return HttpResponse(reports.render_html(report, for_pdf=False, request=request))


def _pdf(request, synthesis, build, *, thematic=None, position=None):
    """The PDF from the cache when its content is unchanged, else rendered and cached.

    The cache key hashes the content without loading the report, so a cached PDF (or a
    304 for a matching ETag) costs one query per table and no rendering.
    """
    syntheses = reports.report_syntheses(
        synthesis, request.user, thematic=thematic, position=position
    )
    key = reports.pdf_key(syntheses, thematic=thematic, position=position)
    etag = f'"{key.rsplit(":", 1)[-1][:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers={"ETag": etag})
    rendered = reports.cached_pdf(key)
    if rendered is None:
        try:
            report = build()
        except LookupError as error:
            raise Http404(str(error)) from error
        report.cache_key = key
        rendered = reports.report_pdf(report)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    filename = reports.pdf_filename(synthesis, thematic=thematic, position=position)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = etag
    # What a logged-in user gets may hold drafts (the synthesis or its annexes): no shared
    # cache may keep it.
    public = synthesis.status == Synthesis.Status.PUBLISHED and not request.user.is_authenticated
    response["Cache-Control"] = "no-cache" if public else "private, no-cache"
    return response


@readable_synthesis
def synthesis_preview(request, synthesis):
    try:
        report = reports.build_report(synthesis, request.user, thematic=_thematic(request))
    except LookupError as error:
        raise Http404(str(error)) from error
    return _preview(request, report)


@readable_synthesis
def synthesis_pdf(request, synthesis):
    thematic = _thematic(request)
    build = partial(reports.build_report, synthesis, request.user, thematic=thematic)
    return _pdf(request, synthesis, build, thematic=thematic)


@readable_synthesis
def proposal_preview(request, synthesis, position):
    try:
        report = reports.build_proposal_report(synthesis, position)
    except LookupError as error:
        raise Http404(str(error)) from error
    return _preview(request, report)


@readable_synthesis
def proposal_pdf(request, synthesis, position):
    build = partial(reports.build_proposal_report, synthesis, position)
    return _pdf(request, synthesis, build, position=position)
