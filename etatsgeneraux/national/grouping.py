"""Suggesting groups of a thematic in the background, and keeping the suggestions until a
person confirms them (the cache: they are a proposal, not data)."""

from django.core.cache import cache
from django.urls import reverse

from . import similarity

KEY = "national-group-suggestions-{}"
KEPT = 7 * 24 * 3600


def compute_and_keep(number, progress=None):
    groups = similarity.group_thematic(number, progress)
    cache.set(KEY.format(number), [[entry.pk for entry in group] for group in groups], KEPT)
    return len(groups)


def kept(number):
    return cache.get(KEY.format(number))


try:  # the task runner (issue 14), when merged
    from etatsgeneraux.jobs.runner import job_task, start
except ImportError:  # pragma: no cover - before the merge
    job_task = start = None

if job_task is not None:

    @job_task
    def suggest_groups_task(job, number):
        count = compute_and_keep(number, job.report)
        return {
            "url": reverse("national:groups") + f"?thematique={number}",
            "label": f"Voir les {count} groupes suggérés",
        }
else:
    suggest_groups_task = None
