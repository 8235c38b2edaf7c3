from pathlib import Path

import pytest

from etatsgeneraux.national import index, similarity
from tests import factories
from workshops.models import Region, Thematic

pytestmark = pytest.mark.django_db
PAIRS = Path(__file__).parent / "data" / "labelled_pairs.csv"


MAINTENANCE = ["Maintenance des matériels empruntés", "Maintenance du matériel emprunté"]


def eighteen_regions(sections=1):
    for number, region in enumerate(Region.objects.all()):
        synthesis = factories.SynthesisFactory(region=region)
        for number in range(1, sections + 1):
            section = factories.ThematicSectionFactory(
                synthesis=synthesis, thematic=Thematic.objects.get(number=number)
            )
            row = factories.DiagnosticRowFactory(section=section)
            factories.IrritantFactory(row=row, text=MAINTENANCE[number % 2])
            factories.StrengthFactory(row=row, text="Formation des enseignants au numérique")
    index.rebuild()


def test_coverage_lists_the_18_regions_in_a_constant_number_of_queries(
    reference_data, national_client, django_assert_max_num_queries
):
    eighteen_regions(sections=1)
    with django_assert_max_num_queries(12):
        response = national_client.get("/national/")
    content = response.content.decode()
    assert content.count('id="region-') == 18
    assert content.count("<path ") == 13  # mainland and Corsica; overseas are insets
    eighteen_regions(sections=2)
    with django_assert_max_num_queries(12):
        national_client.get("/national/")


def test_proposal_page_uses_a_constant_number_of_queries(
    reference_data, national_client, django_assert_max_num_queries
):
    from actionplans.models import IndexedStatement, NationalProposal, StatementTag

    eighteen_regions(sections=2)
    proposal = NationalProposal.objects.create(
        number=3, thematic=Thematic.objects.get(number=1), title="Maintenance"
    )
    for entry in IndexedStatement.objects.all():
        StatementTag.objects.create(
            proposal=proposal, kind=entry.kind, object_id=entry.object_id, synthesis=entry.synthesis
        )
    with django_assert_max_num_queries(12):
        response = national_client.get("/national/propositions/3/")
    assert response.context["total"] == IndexedStatement.objects.count()
    with django_assert_max_num_queries(14):
        assert national_client.get("/national/document/").status_code == 200


def test_the_chosen_similarity_is_precise_on_the_labelled_pairs():
    tfidf, fuzzy = similarity.evaluate(PAIRS)
    assert len(similarity.load_pairs(PAIRS)[0]) >= 60
    assert tfidf.precision >= 0.75 and tfidf.recall >= 0.7
    assert tfidf.recall > fuzzy.recall


def test_grouping_suggests_without_applying(reference_data):
    from actionplans.models import StatementGroup

    eighteen_regions(sections=1)
    reports = []
    groups = similarity.group_thematic(1, lambda percent, message: reports.append(percent))
    topics = [{"Maintenance" in entry.text for entry in group} for group in groups]
    assert all(len(topic) == 1 for topic in topics)  # no group mixes the two subjects
    grouped = [entry for group in groups for entry in group if "Maintenance" in entry.text]
    assert len(grouped) == 18
    assert all(len({entry.region_id for entry in group}) >= 9 for group in groups)
    assert reports[-1] == 100
    assert not StatementGroup.objects.exists()


def test_national_pages_ask_for_a_login(client):
    assert client.get("/national/").status_code == 302


@pytest.mark.slow
def test_the_national_document_is_rendered_in_the_background_then_downloaded(
    reference_data, national_client, immediate_jobs, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from django.core.cache import cache
    from pypdf import PdfReader

    from actionplans.models import IndexedStatement, NationalProposal, StatementTag
    from etatsgeneraux.jobs.models import Job

    eighteen_regions(sections=1)
    proposal = NationalProposal.objects.create(
        number=7, thematic=Thematic.objects.get(number=1), title="Assurer la maintenance"
    )
    entry = IndexedStatement.objects.filter(kind="irritants").first()
    StatementTag.objects.create(
        proposal=proposal, kind=entry.kind, object_id=entry.object_id, synthesis=entry.synthesis
    )
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        started = national_client.get("/national/document/pdf/")
    job = Job.objects.get(kind="pdf")
    assert started.status_code == 302 and started.url == job.get_absolute_url()
    assert job.status == Job.Status.DONE, job.error
    response = national_client.get("/national/document/pdf/")
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(BytesIO(response.content))
    assert "/StructTreeRoot" in pdf.trailer["/Root"]
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Proposition 7" in text and entry.text in text
    StatementTag.objects.filter(proposal=proposal).delete()
    assert national_client.get("/national/document/pdf/").status_code == 302  # stale: again


def test_grouping_runs_in_the_background_and_a_person_confirms_a_group(
    reference_data, national_client, immediate_jobs, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from actionplans.models import GroupMember, NationalProposal, StatementGroup, StatementTag
    from etatsgeneraux.jobs.models import Job

    cache.clear()
    eighteen_regions(sections=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = national_client.post("/national/regroupements/suggerer/", {"thematique": "1"})
    job = Job.objects.get()
    assert str(job.pk) in response.url  # the progress page
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    page = national_client.get("/national/regroupements/?thematique=1")
    suggestions = page.context["suggestions"]
    assert suggestions and not StatementGroup.objects.exists()  # nothing applied
    proposal = NationalProposal.objects.create(
        number=2, thematic=Thematic.objects.get(number=1), title="Maintenance"
    )
    chosen = [entry.pk for entry in suggestions[0]][:5]
    national_client.post(
        "/national/regroupements/confirmer/",
        {"entry": chosen, "name": "Maintenance du matériel", "proposal": proposal.pk},
    )
    group = StatementGroup.objects.get()
    assert group.proposal == proposal and GroupMember.objects.count() == 5
    assert StatementTag.objects.filter(proposal=proposal).count() == 5


def test_confirming_a_group_needs_the_national_role(reference_data, facilitator_client):
    from actionplans.models import StatementGroup

    response = facilitator_client.post(
        "/national/regroupements/confirmer/", {"entry": ["1", "2"], "name": "x"}
    )
    assert response.status_code == 403
    assert not StatementGroup.objects.exists()
