"""Whether a PDF is rendered in the request or in the background, and the job that does it.

A cached PDF is served at once. A cold one is rendered in the request only when its
statements hold at most `PDF_INLINE_MAX_CHARACTERS` characters (40 000 by default: the
shipped Pays de la Loire synthesis, annexes included, holds 29 546 and renders cold in a
few seconds, as before; the 2 000 statements of 2 000 characters that took a worker down
hold 4 million; 0 sends every cold PDF to the background) and no render of it is pending
(a change schedules one); otherwise the request starts a background render
(`tasks.render_pdf`), or joins the one already pending for the same content (one job per
PDF key), and sends to its progress page, which then hands over the file.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Length
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import content_disposition_header

from etatsgeneraux.jobs.models import Job
from etatsgeneraux.jobs.runner import join_or_start, start
from etatsgeneraux.stages import CELLS
from workshops.models import Synthesis

from . import tasks


def text_size(syntheses):
    """Characters in the statements of these syntheses (one query per column)."""
    ids = [synthesis.pk for synthesis in syntheses]
    return sum(
        cell.model.objects.filter(row__section__synthesis_id__in=ids)
        .order_by()
        .aggregate(size=Sum(Length("text")))["size"]
        or 0
        for cell in CELLS.values()
    )


def renders_inline(syntheses):
    """Small enough for the request, and no render of these syntheses pending: right after a
    change (its warm-up waits `PDF_WARM_DELAY`), the readers who download at once share one
    background render and see its progress, rather than each laying the PDF out in a web
    worker."""
    limit = getattr(settings, "PDF_INLINE_MAX_CHARACTERS", 40_000)
    if limit <= 0:
        return False
    ids = [synthesis.pk for synthesis in syntheses]
    if Job.objects.pending().filter(kind__in=("pdf", "pdf-warm"), synthesis__in=ids).exists():
        return False
    return text_size(syntheses) <= limit


def background_render(request, synthesis, key, **variant):
    """The pending render job of this PDF, or a new one."""
    return join_or_start(
        "pdf",
        tasks.render_pdf,
        key=f"pdf:{key}"[:200],
        requested_by=request.user,
        synthesis=synthesis,
        synthesis_id=synthesis.pk,
        user_id=request.user.pk if request.user.is_authenticated else None,
        url=request.get_full_path(),
        **variant,
    )


def cached_or_rendered(request, *, cache_key, task, filename, synthesis=None, **task_kwargs):
    """The PDF cached under `cache_key` as a download, or else the progress page of the
    background job that renders it into that cache: `task(job, cache_key=..., user_id=...,
    url=..., **task_kwargs)`, run under `tasks.render_limits`. The follow-up and national
    documents, like the syntheses' above the threshold, are never laid out in a request."""
    data = cache.get(cache_key)
    if data is not None:
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Cache-Control"] = "private, no-cache"
        return response
    job = join_or_start(
        "pdf",
        task,
        key=f"pdf:{cache_key}"[:200],
        requested_by=request.user,
        synthesis=synthesis,
        user_id=request.user.pk if request.user.is_authenticated else None,
        url=request.get_full_path(),
        cache_key=cache_key,
        **task_kwargs,
    )
    return redirect(job)


def on_content_changed(sender, synthesis, change, **kwargs):
    """After the change commits, schedules the PDFs' warm-up (`schedule_warm_up`)."""
    synthesis_id = synthesis.pk
    transaction.on_commit(lambda: schedule_warm_up(synthesis_id), robust=True)


def schedule_warm_up(synthesis_id):
    """One warm-up job per synthesis, run `PDF_WARM_DELAY` seconds (30 by default) after
    the first change of a burst: the changes made meanwhile join it (debounce), since it
    renders the content as it is when it runs."""
    key = f"warm:{synthesis_id}"
    if Job.objects.filter(key=key, status=Job.Status.QUEUED).exists():
        return None
    task = tasks.warm_pdfs
    if task.get_backend().supports_defer:
        delay = timedelta(seconds=getattr(settings, "PDF_WARM_DELAY", 30))
        task = task.using(run_after=timezone.now() + delay)
    return start(
        "pdf-warm",
        task,
        synthesis=Synthesis.objects.get(pk=synthesis_id),
        key=key,
        synthesis_id=synthesis_id,
    )
