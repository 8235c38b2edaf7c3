"""Background work with visible progress: a `Job` row per piece of work, run by a worker.

Built on django-tasks (the backport of Django 6's task API) and its database backend
django-tasks-db: no broker, the queue is a table of the project's database (SQLite for
`make run`, PostgreSQL in production). Workers: `manage.py db_worker` (README, « Travaux
en arrière-plan »).

API (for the feature apps that run long work)::

    from etatsgeneraux.jobs.runner import JobFailed, job_task, start

    @job_task                         # or @job_task(queue_name="pdf")
    def rebuild_things(job, *, synthesis_id):
        job.report(10, "Lecture des énoncés…")    # progress 0–100, French message
        ...
        if something_wrong:
            raise JobFailed("Le document est trop long.")   # shown to the user as is
        return {"url": "/…/fichier.pdf", "label": "Télécharger le PDF", "redirect": True}

    job = start("pdf", rebuild_things, requested_by=request.user, synthesis=synthesis,
                synthesis_id=synthesis.pk)          # kwargs: JSON-serialisable
    return redirect(job)                             # jobs:detail, the progress page

- `start` creates the `Job` (QUEUED) and enqueues the task once the current transaction
  commits, with `job_id=str(job.pk)` and the kwargs.
- The task function gets the `Job` instance first. The wrapper marks it RUNNING, calls it,
  stores its return value (a dict, or None) as `job.result` and marks it DONE. `JobFailed`
  marks it FAILED with its French message; any other exception marks it FAILED with a
  generic French message and logs the traceback (logger "etatsgeneraux.jobs").
- `job.result["url"]` / `["label"]`: the link shown when the job is done;
  `["redirect"] = True`: the progress page goes to that URL by itself (a PDF download).
- Stale jobs: a job RUNNING whose last report (`updated_at`) is older than
  `settings.JOBS_STALE_AFTER` seconds (900 by default) had its worker killed; it is shown,
  and marked, FAILED with a message inviting to start again (`Job.fail_if_stale`), and
  `Job.objects.pending()` leaves it out, so that a new request starts a new job. A long job
  must therefore report at least that often.
- Pages: `jobs:detail` (uuid) a full page with a `<progress>` bar, refreshed by htmx every
  second (`jobs:progress`, a partial) or, without JavaScript, by a meta refresh; visible to
  staff, the requester, and whoever may read the job's synthesis (404 for others).
- Tests: the `immediate_jobs` fixture (tests/conftest.py) runs tasks in the process; wrap
  the request in `django_capture_on_commit_callbacks(execute=True)` for them to run.
"""
