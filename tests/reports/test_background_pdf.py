"""A cold PDF too large for a request is rendered by a background job: the download sends
to its progress page, joins a pending render rather than starting another, then serves the
file from the cache."""

import pytest
from django.urls import reverse

from etatsgeneraux.jobs.models import Job
from tests import factories

pytestmark = [pytest.mark.usefixtures("fresh_cache"), pytest.mark.django_db]


@pytest.fixture
def section(settings):
    settings.PDF_INLINE_MAX_CHARACTERS = 0  # every cold PDF in the background
    return factories.board_section(rows=2, statements=2)


def test_a_cold_pdf_sends_to_a_render_job_then_the_file_is_served(
    section, immediate_jobs, django_capture_on_commit_callbacks
):
    synthesis = section.synthesis
    client = factories.logged_in(factories.referent_of(synthesis))
    url = reverse("reports:synthesis_pdf", args=[synthesis.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert (job.kind, job.synthesis) == ("pdf", synthesis)
    assert job.result["url"] == url and job.result["redirect"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'data-job-redirect="{url}"' in page
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert served.content.startswith(b"%PDF")
    assert Job.objects.count() == 1


def test_a_second_request_joins_the_pending_render(section):
    synthesis = section.synthesis
    url = reverse("reports:synthesis_pdf", args=[synthesis.slug])
    first = factories.logged_in(factories.referent_of(synthesis)).get(url)
    second = factories.logged_in(factories.facilitator_of(synthesis)).get(url)
    assert first["Location"] == second["Location"]
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED


def test_a_small_pdf_is_still_rendered_in_the_request(section, settings):
    settings.PDF_INLINE_MAX_CHARACTERS = 40_000
    synthesis = section.synthesis
    client = factories.logged_in(factories.referent_of(synthesis))
    response = client.get(reverse("reports:synthesis_pdf", args=[synthesis.slug]))
    assert response["Content-Type"] == "application/pdf"
    assert not Job.objects.exists()


def test_a_small_pdf_asked_right_after_a_change_shows_the_progress_of_one_render(
    section, settings, django_capture_on_commit_callbacks
):
    """Right after a facilitator's edit the warm-up is pending: a referent's download goes to
    a background render with its progress page (and a second reader joins it), not to a
    render in the web worker; the file follows."""
    from etatsgeneraux.reports import tasks
    from tests.board.test_board import HTMX, cell_url
    from workshops.models import DiagnosticRow

    settings.PDF_INLINE_MAX_CHARACTERS = 40_000
    synthesis = section.synthesis
    facilitator = factories.logged_in(factories.facilitator_of(synthesis))
    row = DiagnosticRow.objects.filter(section=section).first()
    with django_capture_on_commit_callbacks(execute=True):
        facilitator.post(
            cell_url(section, "diagnostic", row, "irritants"), {"text": "Ajout en direct"}, **HTMX
        )
    assert Job.objects.get().kind == "pdf-warm"

    url = reverse("reports:synthesis_pdf", args=[synthesis.slug])
    reader = factories.referent_of(synthesis)
    referent = factories.logged_in(reader)
    asked = referent.get(url)
    assert asked.status_code == 302
    render = Job.objects.get(kind="pdf")
    assert asked["Location"] == render.get_absolute_url()
    assert facilitator.get(url)["Location"] == asked["Location"]  # one render for both

    tasks.render_pdf.call(
        job_id=str(render.pk), synthesis_id=synthesis.pk, user_id=reader.pk, url=url
    )
    render.refresh_from_db()
    assert render.status == Job.Status.DONE, render.error
    served = referent.get(url)
    assert served["Content-Type"] == "application/pdf"
    assert served.content.startswith(b"%PDF")


def _render_with(monkeypatch, section, replacement, django_capture_on_commit_callbacks):
    from etatsgeneraux.reports import pdf as reports

    monkeypatch.setattr(reports, "report_pdf", replacement)
    synthesis = section.synthesis
    client = factories.logged_in(factories.referent_of(synthesis))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("reports:synthesis_pdf", args=[synthesis.slug]))
    job = Job.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    return job, page


def test_a_render_past_its_time_limit_fails_in_french(
    section, settings, monkeypatch, immediate_jobs, django_capture_on_commit_callbacks
):
    settings.PDF_RENDER_SECONDS = 1

    def slow(report):
        import time

        time.sleep(5)

    job, page = _render_with(monkeypatch, section, slow, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "plus de 1\u00a0secondes" in job.error
    assert "trop long" in page


def test_a_render_past_its_memory_limit_fails_in_french(
    section, settings, monkeypatch, immediate_jobs, django_capture_on_commit_callbacks
):
    settings.PDF_RENDER_MEMORY_MB = 100

    def greedy(report):
        return bytearray(400 * 1024 * 1024)

    job, page = _render_with(monkeypatch, section, greedy, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "trop de mémoire" in job.error
    assert "trop de mémoire" in page
    assert bytearray(200 * 1024 * 1024)  # the limit is lifted afterwards


def test_changes_schedule_one_debounced_warm_up_that_renders_the_pdfs_again(
    section, django_capture_on_commit_callbacks
):
    from etatsgeneraux.reports import pdf as reports
    from etatsgeneraux.reports import tasks
    from tests.board.test_board import HTMX, cell_url
    from workshops.models import DiagnosticRow

    synthesis = section.synthesis
    referent = factories.referent_of(synthesis)
    Job.objects.create(kind="pdf", synthesis=synthesis, requested_by=referent)  # a reader
    facilitator = factories.logged_in(factories.facilitator_of(synthesis))
    row = DiagnosticRow.objects.filter(section=section).first()
    for text in ("Première modification", "Deuxième, dans la foulée"):
        with django_capture_on_commit_callbacks(execute=True):
            response = facilitator.post(
                cell_url(section, "diagnostic", row, "irritants"), {"text": text}, **HTMX
            )
        assert response.status_code == 200
    warm_up = Job.objects.get(kind="pdf-warm")  # one for the burst
    assert warm_up.status == Job.Status.QUEUED

    tasks.warm_pdfs.call(job_id=str(warm_up.pk), synthesis_id=synthesis.pk)
    warm_up.refresh_from_db()
    assert warm_up.status == Job.Status.DONE, warm_up.error
    assert warm_up.result == {"rendered": 1}
    syntheses, versions, unpublished = reports.shown_to(referent, synthesis)
    key = reports.pdf_key(syntheses, versions=versions, unpublished=unpublished)
    assert reports.cached_pdf(key) is not None
    response = factories.logged_in(referent).get(
        reverse("reports:synthesis_pdf", args=[synthesis.slug])
    )
    assert response["Content-Type"] == "application/pdf"  # served warm, no new job
    assert Job.objects.filter(kind="pdf").count() == 1
