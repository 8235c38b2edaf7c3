"""Background jobs: running, failing, reporting progress, who sees them, pages with and
without JavaScript, and the real database worker."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from etatsgeneraux.jobs.models import STALE_MESSAGE, Job
from etatsgeneraux.jobs.runner import GENERIC_ERROR, join_or_start, start
from tests import factories

from .sample_tasks import count_to, crash, download, refuse

pytestmark = pytest.mark.django_db


def run(task, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        job = start("test", task, **kwargs)
    job.refresh_from_db()
    return job


@pytest.mark.usefixtures("immediate_jobs")
class TestRunning:
    def test_a_job_runs_to_done_with_its_result(self, django_capture_on_commit_callbacks):
        job = run(count_to, django_capture_on_commit_callbacks, until=3)
        assert job.status == Job.Status.DONE
        assert job.progress == 100
        assert job.result == {"url": "/resultat/", "label": "Compté jusqu’à 3"}
        assert job.started_at <= job.finished_at

    def test_a_job_is_queued_until_its_transaction_commits(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = start("test", count_to, until=2)
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
        assert len(callbacks) == 1

    def test_job_failed_shows_its_french_message(self, django_capture_on_commit_callbacks):
        job = run(refuse, django_capture_on_commit_callbacks)
        assert job.status == Job.Status.FAILED
        assert job.error == "Le document dépasse la taille permise."

    def test_an_unexpected_error_is_logged_and_shown_in_french(
        self, django_capture_on_commit_callbacks, caplog
    ):
        with caplog.at_level(logging.ERROR, logger="etatsgeneraux.jobs"):
            job = run(crash, django_capture_on_commit_callbacks)
        assert job.status == Job.Status.FAILED
        assert job.error == GENERIC_ERROR
        assert "RuntimeError: boom" in caplog.text

    def test_kwargs_that_json_cannot_store_are_refused_at_once(self):
        with pytest.raises(TypeError):
            start("test", count_to, until=object())
        assert not Job.objects.exists()


def test_report_saves_progress_and_message_only():
    job = Job.objects.create(kind="test", status=Job.Status.RUNNING, message="avant")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE)  # a concurrent change
    job.report(42, "Mise en page…")
    job.refresh_from_db()
    assert (job.progress, job.message, job.status) == (42, "Mise en page…", Job.Status.DONE)


def test_a_silent_running_job_is_shown_failed_and_not_pending(synthesis, referent_client):
    job = Job.objects.create(kind="pdf", status=Job.Status.RUNNING, synthesis=synthesis)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert not Job.objects.pending().filter(pk=job.pk).exists()
    response = referent_client.get(job.get_absolute_url())
    assert "interrompu" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, STALE_MESSAGE)


def test_a_running_job_that_reports_stays_pending():
    job = Job.objects.create(kind="pdf", status=Job.Status.RUNNING)
    assert Job.objects.pending().filter(pk=job.pk).exists()


class TestPages:
    def test_the_page_shows_a_progress_bar_and_message(self, synthesis, referent_client):
        job = Job.objects.create(
            kind="pdf",
            synthesis=synthesis,
            status=Job.Status.RUNNING,
            progress=40,
            message="Mise en page des tableaux…",
        )
        html = referent_client.get(job.get_absolute_url()).content.decode()
        assert '<progress id="travail-barre" class="job__bar" max="100" value="40">' in html
        assert "Mise en page des tableaux…" in html
        assert 'hx-trigger="every 1s"' in html
        assert 'aria-live="polite"' in html

    def test_without_javascript_an_unfinished_job_page_refreshes_itself(
        self, synthesis, referent_client
    ):
        job = Job.objects.create(kind="pdf", synthesis=synthesis)
        html = referent_client.get(job.get_absolute_url()).content.decode()
        assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html

    def test_a_finished_job_page_stops_refreshing_and_links_to_its_result(
        self, synthesis, referent_client
    ):
        job = Job.objects.create(
            kind="test",
            synthesis=synthesis,
            status=Job.Status.DONE,
            result={"url": "/resultat/", "label": "Voir le résultat"},
        )
        html = referent_client.get(job.get_absolute_url()).content.decode()
        assert "http-equiv" not in html
        assert "hx-trigger" not in html
        assert '<a class="fr-link fr-link--download" href="/resultat/">Voir le résultat</a>' in html

    def test_a_finished_download_goes_to_its_file_once(self, synthesis, referent_client):
        job = Job.objects.create(
            kind="pdf",
            synthesis=synthesis,
            status=Job.Status.DONE,
            result={"url": "/fichier.pdf", "label": "Télécharger", "redirect": True},
        )
        html = referent_client.get(job.get_absolute_url()).content.decode()
        assert '<meta http-equiv="refresh" content="0;url=/fichier.pdf">' in html
        assert 'data-job-redirect="/fichier.pdf"' in html

    def test_the_live_region_is_rewritten_only_when_its_text_changes(
        self, synthesis, referent_client
    ):
        job = Job.objects.create(kind="pdf", synthesis=synthesis, status=Job.Status.RUNNING)
        url = reverse("jobs:progress", args=[job.pk])
        first = referent_client.get(url, {"annonce": "0"}).content.decode()
        assert 'id="travail-annonce" hx-swap-oob="innerHTML"' in first
        key = first.split("annonce=")[1].split('"')[0]
        job.report(10, "")  # same quarter, same message: nothing to announce
        again = referent_client.get(url, {"annonce": key}).content.decode()
        assert "travail-annonce" not in again
        job.report(60, "Mise en page…")
        changed = referent_client.get(url, {"annonce": key}).content.decode()
        assert "Mise en page… 50\u00a0%" in changed

    def test_a_failed_job_shows_its_error(self, synthesis, referent_client):
        job = Job.objects.create(
            kind="pdf", synthesis=synthesis, status=Job.Status.FAILED, error="Trop long."
        )
        html = referent_client.get(reverse("jobs:progress", args=[job.pk])).content.decode()
        assert "Trop long." in html
        assert "hx-trigger" not in html


class TestVisibility:
    def test_the_requester_sees_a_job_without_synthesis(self, db):
        user = factories.UserFactory()
        job = Job.objects.create(kind="import", requested_by=user)
        assert factories.logged_in(user).get(job.get_absolute_url()).status_code == 200

    def test_staff_see_every_job(self, admin_client):
        job = Job.objects.create(kind="import")
        assert admin_client.get(job.get_absolute_url()).status_code == 200

    def test_readers_of_the_synthesis_see_its_jobs(self, synthesis, referent_client):
        job = Job.objects.create(kind="pdf", synthesis=synthesis)
        assert referent_client.get(job.get_absolute_url()).status_code == 200

    @pytest.mark.parametrize("name", ["jobs:detail", "jobs:progress"])
    def test_others_get_a_404(self, synthesis, name, client):
        job = Job.objects.create(kind="pdf", synthesis=synthesis)  # a draft
        other = factories.logged_in(factories.UserFactory())
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
        mine = Job.objects.create(kind="import", requested_by=factories.UserFactory())
        assert other.get(reverse(name, args=[mine.pk])).status_code == 404

    def test_visible_to_matches_the_pages(self, synthesis, referent):
        seen = Job.objects.create(kind="pdf", synthesis=synthesis)
        Job.objects.create(kind="import")
        assert list(Job.objects.visible_to(referent)) == [seen]


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_queued_jobs():
    """The real queue: jobs enqueued in the database, then `db_worker --batch` runs them."""
    counted = start("test", count_to, until=4)
    failed = start("test", crash)
    pdf = start("pdf", download)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")
    counted.refresh_from_db()
    failed.refresh_from_db()
    pdf.refresh_from_db()
    assert counted.status == Job.Status.DONE
    assert counted.result["label"] == "Compté jusqu’à 4"
    assert failed.status == Job.Status.FAILED
    assert pdf.status == Job.Status.DONE


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_the_same_work_share_one_job():
    """Eight requests for the same cold PDF released together: one render, which they all
    wait for (each used to find nothing pending and start its own)."""
    from tests.platform.test_sqlite_concurrency import _is_in_memory_sqlite, _race

    if _is_in_memory_sqlite():
        pytest.skip("base SQLite en mémoire : une seule connexion, pas de requêtes simultanées")

    def ask(index, key):
        return str(join_or_start("pdf", download, key=key).pk), ""

    results = _race(ask, ["pdf:le-meme-document"] * 8)

    assert Job.objects.filter(key="pdf:le-meme-document").count() == 1
    assert len({job_id for _, job_id, _ in results}) == 1
