"""The PDF render as a background job (etatsgeneraux.jobs), on the "pdf" queue: the number
of workers taking that queue caps how many renders run at once (README, « Travaux en
arrière-plan »). Each render has a time limit (`PDF_RENDER_SECONDS`, 300 by default) and
a memory limit (`PDF_RENDER_MEMORY_MB` of address space beyond what the worker already
uses, 1 500 by default); past either the job fails with a French message and the worker
goes on with the next one."""

import resource
import signal
import threading
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from etatsgeneraux.jobs.runner import JobFailed, job_task
from workshops.models import PublishedVersion, Synthesis

TOO_LONG = (
    "Le document a pris plus de {seconds} secondes à mettre en page : il est trop long "
    "pour être produit. Réduisez-le (une thématique à la fois), ou prévenez l’équipe technique."
)
TOO_LARGE = (
    "Le document demandait trop de mémoire pour être produit. Téléchargez une thématique à "
    "la fois, ou prévenez l’équipe technique."
)


class RenderTimeout(Exception):
    pass


def _address_space():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


@contextmanager
def render_limits():
    """Raises JobFailed past the time or memory limit (where the platform allows it: the
    alarm needs the main thread, the memory limit Linux's /proc)."""
    seconds = int(getattr(settings, "PDF_RENDER_SECONDS", 300))
    megabytes = int(getattr(settings, "PDF_RENDER_MEMORY_MB", 1500))
    main = threading.current_thread() is threading.main_thread()

    def expired(signum, frame):
        raise RenderTimeout

    previous_handler = signal.signal(signal.SIGALRM, expired) if main else None
    if main:
        signal.alarm(seconds)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        limit = _address_space() + megabytes * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        pass
    try:
        yield
    except RenderTimeout as error:
        raise JobFailed(TOO_LONG.format(seconds=seconds)) from error
    except MemoryError as error:
        raise JobFailed(TOO_LARGE) from error
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        if main:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous_handler)


def synthesis_and_reader(synthesis_id, user_id):
    """The synthesis a render job is for and the user it renders for (a visitor when the
    requester was one or no longer exists); a deleted synthesis fails the job in French."""
    synthesis = Synthesis.objects.filter(pk=synthesis_id).first()
    if synthesis is None:
        raise JobFailed("Cette synthèse n’existe plus.")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return synthesis, user or AnonymousUser()


@job_task(queue_name="pdf")
def render_pdf(job, *, synthesis_id, user_id, url, thematic=None, position=None, version=None):
    """Renders the PDF the user asked for, as they read it, into the shared PDF cache."""
    from . import pdf as reports

    synthesis, user = synthesis_and_reader(synthesis_id, user_id)
    job.report(5, "Lecture de la synthèse…")
    try:
        if version is not None:
            published = PublishedVersion.objects.get(synthesis=synthesis, number=version)
            report = reports.build_version_report(synthesis, published)
        elif position is not None:
            report = reports.build_proposal_report(
                synthesis,
                position,
                version=reports.shown_to(user, synthesis, position=position)[1].get(synthesis.pk),
            )
        else:
            syntheses, versions, unpublished = reports.shown_to(user, synthesis, thematic)
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
    with render_limits():
        rendered = reports.report_pdf(report)
    return {
        "url": url,
        "label": f"Télécharger le PDF ({rendered.pages}\u00a0pages)",
        "redirect": True,
    }


@job_task(queue_name="pdf")
def warm_pdfs(job, *, synthesis_id):
    """After a change (debounced), renders the whole-synthesis PDF again as read by those who
    last asked for it (and by visitors if it is published), so that downloads come warm."""
    from . import pdf as reports

    synthesis = Synthesis.objects.filter(pk=synthesis_id).first()
    if synthesis is None or synthesis.is_archived:
        return {}
    requesters = (
        type(job)
        .objects.filter(synthesis=synthesis, kind="pdf", requested_by__isnull=False)
        .order_by("-created_at")
        .values_list("requested_by", flat=True)
    )
    user_ids = list(dict.fromkeys(requesters[:50]))[:3]
    readers = list(get_user_model().objects.filter(pk__in=user_ids))
    if synthesis.status == Synthesis.Status.PUBLISHED:
        readers.append(AnonymousUser())
    rendered = 0
    for done, user in enumerate(readers):
        job.report(100 * done // max(1, len(readers)), "Mise à jour des PDF…")
        syntheses, versions, unpublished = reports.shown_to(user, synthesis)
        key = reports.pdf_key(syntheses, versions=versions, unpublished=unpublished)
        if reports.cached_pdf(key) is not None:
            continue
        report = reports.build_report(
            synthesis,
            user,
            versions=versions,
            unpublished=unpublished,
            syntheses=syntheses,
        )
        report.cache_key = key
        with render_limits():
            reports.report_pdf(report)
        rendered += 1
    return {"rendered": rendered}
