"""Thin views: the home page, and each report as an HTML preview or a PDF download.

Who may read what is `reports.can_read`, the platform's rule: anonymous visitors get
published syntheses only; a draft needs a logged-in member of its territory (or staff).
An anonymous visitor asking for a draft is sent to the login page; a logged-in user who
may not read it gets a 404, which does not tell whether the draft exists.
"""

from functools import partial, wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from . import reports
from .models import Synthesis


def readable_synthesis(view):
    """Passes the synthesis named by the URL if the user may read it."""

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        synthesis = get_object_or_404(
            Synthesis.objects.select_related("region", "department", "parent"), slug=slug
        )
        if not reports.can_read(request.user, synthesis):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404("Synthèse introuvable.")
        return view(request, synthesis, **kwargs)

    return require_safe(wrapper)


def _thematic(request):
    value = request.GET.get("thematique")
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise Http404("Numéro de thématique invalide.")
    return int(value)


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


@require_safe
def home(request):
    syntheses = reports.readable_syntheses(request.user).order_by(
        "-year", "region__name", "department__code"
    )
    return render(request, "workshops/home.html", {"syntheses": syntheses})


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
