"""Job functions for the tests (tasks must live at module level to be found by a worker)."""

from etatsgeneraux.jobs.runner import JobFailed, job_task


@job_task
def count_to(job, *, until):
    for step in range(until):
        job.report(100 * step // until, f"Étape {step + 1} sur {until}")
    return {"url": "/resultat/", "label": f"Compté jusqu’à {until}"}


@job_task
def refuse(job):
    raise JobFailed("Le document dépasse la taille permise.")


@job_task
def crash(job):
    raise RuntimeError("boom")


@job_task(queue_name="pdf")
def download(job):
    return {"url": "/fichier.pdf", "label": "Télécharger le PDF", "redirect": True}
