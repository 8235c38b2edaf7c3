"""Downloads of the exports: one synthesis, or everything the reader may read, and the JSON
Schema of the nested document.

Visibility is the PDF's (workshops.permissions.readable_synthesis): published syntheses for
everyone, drafts for the members of their territory; a published synthesis is exported as
its reader reads it (its last published version, unless they manage it). Files come from
the cache when their content is unchanged (etatsgeneraux.exchange.exports.files), with an ETag.
"""

from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from workshops.models import Synthesis
from workshops.permissions import readable_syntheses, readable_synthesis, versions_read_by

from .exports import files as exports
from .exports import schema


def _file(request, fmt, syntheses, *, national=False, public=False):
    if fmt not in exports.FORMATS or (national and not exports.FORMATS[fmt].national):
        raise Http404("Format inconnu.")
    user = request.user
    versions = versions_read_by(user, syntheses)
    key = exports.content_key(fmt, syntheses, versions, national=national)
    etag = f'"{key.rsplit(":", 1)[-1][:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers={"ETag": etag})
    try:
        result = exports.export(
            fmt, syntheses, user=user, national=national, versions=versions, key=key
        )
    except exports.ExportRefused as refusal:
        return render(request, "exchange/export_refused.html", {"error": str(refusal)}, status=409)
    response = HttpResponse(result.data, content_type=result.media_type)
    response["Content-Disposition"] = content_disposition_header(True, result.filename)
    response["ETag"] = etag
    # What a logged-in user gets may hold drafts: no shared cache may keep it.
    response["Cache-Control"] = "no-cache" if public else "private, no-cache"
    return response


def _public(request, syntheses):
    return not request.user.is_authenticated and all(
        synthesis.status == Synthesis.Status.PUBLISHED for synthesis in syntheses
    )


@readable_synthesis
def download(request, synthesis, fmt):
    """One synthesis in one format (its annexes have their own files)."""
    return _file(request, fmt, [synthesis], public=_public(request, [synthesis]))


@require_safe
def national(request, fmt):
    """Everything this reader may read (active syntheses), in one file."""
    syntheses = list(
        readable_syntheses(request.user)
        .active()
        .order_by("-year", "region__name", F("department__code").asc(nulls_first=True), "slug")
    )
    return _file(request, fmt, syntheses, national=True, public=_public(request, syntheses))


@require_safe
def schema_file(request):
    """The JSON Schema of the nested document (backups, JSON exports), version 1."""
    response = HttpResponse(schema.shipped(), content_type="application/schema+json")
    response["Content-Disposition"] = content_disposition_header(False, "synthese-1.json")
    response["Access-Control-Allow-Origin"] = "*"  # a public description, for any validator
    return response
