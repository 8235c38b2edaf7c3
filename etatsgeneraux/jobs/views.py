"""The progress page of a job, and the partial that htmx polls on it."""

import zlib
from datetime import timedelta

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from workshops.permissions import may_read

from .models import Job

# How often the page asks again (htmx), and reloads itself without JavaScript (seconds).
POLL_SECONDS = 1
REFRESH_SECONDS = 2
# A job queued for longer than this with no worker taking it: the page says so.
NO_WORKER_AFTER = timedelta(seconds=60)


def _visible_job(request, pk):
    job = get_object_or_404(Job.objects.select_related("synthesis"), pk=pk)
    user = request.user
    if user.is_staff or (user.is_authenticated and job.requested_by_id == user.pk):
        return job
    if job.synthesis is not None and may_read(user, job.synthesis):
        return job
    raise Http404("Travail introuvable.")


def _context(job, announced=None):
    job.fail_if_stale()
    waiting_long = (
        job.status == Job.Status.QUEUED and job.created_at < timezone.now() - NO_WORKER_AFTER
    )
    # What screen readers hear (aria-live): the state and message, and the progress by
    # quarters, so that a change every second is not read out every second.
    announcement = f"{job.get_status_display()}. {job.message}"
    if job.status == Job.Status.RUNNING:
        announcement += f" {job.progress // 25 * 25}\u00a0%"
    if job.status == Job.Status.FAILED:
        announcement = f"Échec. {job.error}"
    if job.status == Job.Status.DONE and job.result.get("label"):
        announcement += f" {job.result['label']}."
    key = str(zlib.crc32(announcement.encode()))
    return {
        "job": job,
        "waiting_long": waiting_long,
        "announcement": announcement,
        "announcement_key": key,
        "announce": key != announced,
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
        "auto_redirect": job.status == Job.Status.DONE
        and job.result.get("redirect")
        and job.result.get("url"),
    }


@require_safe
def detail(request, pk):
    """The job's page. Once done, a job whose result asks for it (`redirect`) goes to its
    URL once (a meta refresh, or site.js after htmx's swap) and keeps showing the link: a
    PDF served as an attachment downloads and the page stays, without looping."""
    job = _visible_job(request, pk)
    return render(request, "jobs/detail.html", _context(job))


@require_safe
def progress(request, pk):
    """The part of the page that changes, polled by htmx every second while unfinished."""
    job = _visible_job(request, pk)
    context = _context(job, announced=request.GET.get("annonce"))
    context["polled"] = True
    return render(request, "jobs/progress.html", context)
