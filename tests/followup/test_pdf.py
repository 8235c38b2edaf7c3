"""The follow-up report (PDF) and the optional appendix of the synthesis PDF."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from actionplans.followup import Status
from etatsgeneraux.followup import pdf as followup_pdf
from etatsgeneraux.followup import recording
from etatsgeneraux.followup.recording import ProgressChange
from etatsgeneraux.jobs.models import Job

from .helpers import actions_of, indicators_of

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.usefixtures("fresh_cache")]


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def followed(synthesis, facilitator):
    action = actions_of(synthesis).first()
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(action.pk, 0, Status.IN_PROGRESS, 40)]
    )
    indicator = indicators_of(synthesis).first()
    recording.set_indicator(
        synthesis,
        indicator.pk,
        0,
        {
            "unit": "%",
            "initial_value": Decimal(10),
            "initial_date": date(2021, 1, 4),
            "target_value": Decimal(50),
            "target_date": date(2022, 6, 30),
        },
    )
    recording.record_measurement(synthesis, facilitator, indicator.pk, date(2021, 3, 1), 30)
    return action, indicator


def download(client, url, capture):
    """GET a follow-up PDF: the request starts its render job and sends to its progress
    page; the job (run here) renders into the cache; the same URL then serves the file."""
    with capture(execute=True):
        started = client.get(url)
    assert started.status_code == 302
    job = Job.objects.get(pk=started.url.rstrip("/").rsplit("/", 1)[-1])
    assert job.status == Job.Status.DONE, job.error
    assert job.result["url"] == url
    return client.get(url)


def test_the_follow_up_pdf_is_never_laid_out_in_the_request(synthesis, followed, referent_client):
    url = reverse("followup:pdf", args=[synthesis.slug])
    response = referent_client.get(url)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == job.get_absolute_url()
    assert job.status == Job.Status.QUEUED
    assert job.kind == "pdf"
    referent_client.get(url)
    assert Job.objects.count() == 1  # the second request waits for the same render


@pytest.mark.usefixtures("immediate_jobs")
def test_a_referent_downloads_the_follow_up_pdf(
    synthesis, followed, referent_client, django_capture_on_commit_callbacks
):
    url = reverse("followup:pdf", args=[synthesis.slug])
    response = download(referent_client, url, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "etat-d-avancement-pays-de-la-loire-2020.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "État d’avancement" in text
    flat = " ".join(text.split())
    assert "Données du graphique (1 dernière mesure sur 1)" in flat
    assert "01/03/2021 : 30" in flat.replace("\u00a0", " ")
    pdf = PdfReader(io.BytesIO(response.content))
    assert "/StructTreeRoot" in pdf.trailer["/Root"]  # tagged, like every PDF of the platform


def test_the_pdf_is_rendered_again_after_a_change(synthesis, followed, facilitator):
    first = followup_pdf.followup_pdf(facilitator, synthesis)
    assert followup_pdf.followup_pdf(facilitator, synthesis) == first  # from the cache
    action, _indicator = followed
    recording.record_progress(synthesis, facilitator, [ProgressChange(action.pk, 1, Status.DONE)])
    synthesis.refresh_from_db()
    assert followup_pdf.followup_pdf(facilitator, synthesis) != first


@pytest.mark.usefixtures("immediate_jobs")
def test_the_synthesis_pdf_takes_the_follow_up_as_an_optional_appendix(
    synthesis, followed, referent_client, django_capture_on_commit_callbacks
):
    cache.clear()
    url = reverse("followup:synthesis_pdf", args=[synthesis.slug])
    response = download(referent_client, url, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Annexe : état d’avancement des plans d’action" in text.replace("\u00a0", " ")
    plain = referent_client.get(reverse("reports:synthesis_pdf", args=[synthesis.slug]))
    assert "état d’avancement des plans d’action" not in pdf_text(plain.content)
