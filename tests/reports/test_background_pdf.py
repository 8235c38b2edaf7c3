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
