"""Starting background jobs and running them (see this package's docstring for the API)."""

import functools
import json
import logging

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from .models import Job

logger = logging.getLogger("etatsgeneraux.jobs")

GENERIC_ERROR = (
    "Le traitement a échoué à cause d’une erreur inattendue. L’équipe technique en a la "
    "trace\u00a0; vous pouvez réessayer."
)


class JobFailed(Exception):
    """Raised by a job function to fail with a French message shown to the user as is."""


def job_task(function=None, **task_options):
    """Turns `def f(job, **kwargs)` into a django-tasks task run as a `Job`.

    `task_options` go to django-tasks' `task` (queue_name, priority...). The task is
    enqueued by `start`, never directly.
    """

    def decorate(f):
        @functools.wraps(f)
        def run(job_id, **kwargs):
            execute(f, job_id, kwargs)

        return task(**task_options)(run)

    return decorate(function) if function is not None else decorate


def start(kind, task, *, requested_by=None, synthesis=None, key="", **kwargs):
    """Creates a QUEUED job and enqueues `task` for it once the transaction commits.

    `key` (optional) names the work so that callers can join a pending job rather than
    start the same work twice (`Job.objects.pending().filter(key=...)`).
    """
    json.dumps(kwargs)  # refuse at once what the queue could not store
    if requested_by is not None and not requested_by.is_authenticated:
        requested_by = None
    job = Job.objects.create(
        kind=kind,
        requested_by=requested_by,
        synthesis=synthesis,
        key=key,
        message="En attente d’un processus de travail…",
    )
    job_id = str(job.pk)
    transaction.on_commit(lambda: task.enqueue(job_id=job_id, **kwargs))
    return job


def join_or_start(kind, task, *, key, **options):
    """The pending job doing this work (same `key`), or a new one: a second request for
    the same document waits for the first render rather than starting its own.

    Requests arriving together take turns on the key (a PostgreSQL advisory lock held until
    the transaction ends; SQLite's transactions are IMMEDIATE, one writer at a time), so
    that they cannot each find nothing pending and start one job apiece."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        pending = Job.objects.pending().filter(key=key).first()
        return pending or start(kind, task, key=key, **options)


def execute(function, job_id, kwargs):
    """Runs one job: RUNNING, the function, then DONE with its result or FAILED."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("Job %s is gone (its synthesis deleted?): nothing to run.", job_id)
        return
    if job.finished:
        logger.info("Job %s already %s: not run again.", job_id, job.status)
        return
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.progress = 0
    job.message = "Démarrage…"
    job.save(update_fields=["status", "started_at", "progress", "message", "updated_at"])
    try:
        result = function(job, **kwargs)
    except JobFailed as failure:
        logger.warning("Job %s (%s) failed: %s", job_id, job.kind, failure)
        _finish(job, Job.Status.FAILED, error=str(failure))
    except Exception:
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        _finish(job, Job.Status.FAILED, error=GENERIC_ERROR)
    else:
        try:
            json.dumps(result or {})
        except TypeError:
            logger.exception("Job %s (%s) returned what JSON cannot store", job_id, job.kind)
            _finish(job, Job.Status.FAILED, error=GENERIC_ERROR)
        else:
            _finish(job, Job.Status.DONE, result=result or {})


def _finish(job, status, *, result=None, error=""):
    job.status = status
    job.finished_at = timezone.now()
    job.error = error
    fields = ["status", "finished_at", "error", "updated_at"]
    if status == Job.Status.DONE:
        job.progress = 100
        job.message = "Terminé."
        job.result = result
        fields += ["progress", "message", "result"]
    # The job's row may be gone (synthesis deleted meanwhile): nothing to record then.
    Job.objects.filter(pk=job.pk).update(
        **{field: getattr(job, field) for field in fields if field != "updated_at"},
        updated_at=timezone.now(),
    )
