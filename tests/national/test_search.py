import csv
import io
import re

import pytest
from django.db import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionplans.models import IndexedStatement, NationalProposal, StatementTag
from etatsgeneraux.national import index
from tests import factories
from workshops.changes import changing
from workshops.models import Irritant, Synthesis, Thematic

pytestmark = pytest.mark.django_db

SEARCH = "/national/recherche/"


def results(response):
    return [
        re.sub("<[^>]+>", "", text)
        for text in re.findall(r'national-result__text">(.*?)</p>', response.content.decode(), re.S)
    ]


def test_search_finds_the_irritants_that_say_it_in_other_words(indexed_demo, national_client):
    found = results(national_client.get(SEARCH, {"q": "maintenance du matériel"}))
    assert "Maintenance du matériel emprunté" in found
    assert "Maintenance des matériels" in found  # plural: stemmed
    assert any(text.startswith("Matériel défaillant") for text in found)  # a synonym
    assert not any("Coût du matériel" in text for text in found)


def test_search_is_accent_and_case_insensitive_and_highlights(indexed_demo, national_client):
    response = national_client.get(SEARCH, {"q": "MATERIEL defaillant"})
    assert "<mark>Matériel</mark> <mark>défaillant</mark>" in response.content.decode()


def test_facets_filter_and_count(indexed_demo, national_client):
    response = national_client.get(SEARCH, {"q": "maintenance matériel", "etape": "projections"})
    found = results(response)
    assert found == ["Maintenance des matériels"]
    facets = {facet.key: facet for facet in response.context["facets"]}
    stages = {value: count for value, _, count, _ in facets["etape"].options}
    # The stage facet counts every stage (choosing one does not hide the others).
    assert stages["projections"] == 1 and stages["diagnostic"] >= 3


def test_other_users_search_only_what_they_read(indexed_demo, client):
    Synthesis.objects.update(status=Synthesis.Status.DRAFT)
    client.force_login(factories.UserFactory())  # no role: published syntheses only
    assert results(client.get(SEARCH, {"q": "maintenance"})) == []


def add_beside_maintenance(text, capture_on_commit_callbacks):
    """Adds an irritant in the row of « Maintenance des matériels », as the board does (one
    change of its section), running what waits for the commit."""
    irritant = Irritant.objects.get(text="Maintenance des matériels")
    section = irritant.row.section
    with capture_on_commit_callbacks(execute=True), changing(section.synthesis) as change:
        change.sections = [section.pk]
        Irritant.objects.create(row=irritant.row, text=text)


def test_the_index_follows_every_change_of_a_synthesis(
    indexed_demo, national_client, django_capture_on_commit_callbacks
):
    add_beside_maintenance("Réparation des tablettes en panne", django_capture_on_commit_callbacks)
    assert IndexedStatement.objects.filter(text="Réparation des tablettes en panne").exists()
    assert (
        results(national_client.get(SEARCH, {"q": "maintenance matériel"})).count(
            "Réparation des tablettes en panne"
        )
        == 1
    )


def test_a_failed_re_index_after_the_commit_is_logged_and_never_fails_the_saved_change(
    indexed_demo, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """The index is derived data, re-built after the change commits: its failure (two
    changes re-indexing at once used to collide on PostgreSQL) must not make the saved
    change answer an error."""

    def collide(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(index, "index_synthesis", collide)
    add_beside_maintenance("Réparation des tablettes en panne", django_capture_on_commit_callbacks)
    assert Irritant.objects.filter(text="Réparation des tablettes en panne").exists()
    assert any("on_commit" in record.getMessage() for record in caplog.records)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    query=st.one_of(
        st.text(max_size=300),
        st.sampled_from(
            [
                '"',
                "*",
                "NEAR(a b)",
                "- x",
                "'; DROP TABLE x; --",
                "œuvre",
                "a" * 10_000,
                "maintenance OR 1=1",
                "\x00",
                "   ",
                "du la le",
            ]
        ),
    ),
    facet=st.sampled_from(["", "zz", "1", "aucun", "x" * 100]),
)
def test_bad_queries_give_results_or_a_french_message(national_client, query, facet):
    response = national_client.get(
        SEARCH, {"q": query, "thematique": facet, "proposition": facet, "region": facet}
    )
    assert response.status_code == 200
    csv_response = national_client.get(SEARCH + "csv/", {"q": query})
    assert csv_response.status_code == 200


def test_a_long_query_is_refused_in_french(national_client):
    response = national_client.get(SEARCH, {"q": "a" * 10_000})
    assert "200 au plus" in response.content.decode()


def test_csv_neutralises_formulas(indexed_demo, national_client):
    irritant = Irritant.objects.first()
    IndexedStatement.objects.filter(kind="irritants", object_id=irritant.pk).update(
        text="=HYPERLINK(maintenance)", terms="hyperlink mainten", vector=None
    )
    index.vectorise(IndexedStatement.objects.filter(vector__isnull=True))
    response = national_client.get(SEARCH + "csv/", {"q": "hyperlink"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][7] == "'=HYPERLINK(maintenance)"


def proposal():
    return NationalProposal.objects.create(
        number=1, thematic=Thematic.objects.get(number=1), title="Assurer la maintenance"
    )


def test_tagging_without_the_national_role_is_refused_and_writes_nothing(
    indexed_demo, facilitator_client
):
    target = proposal()
    entry = IndexedStatement.objects.first()
    response = facilitator_client.post(
        SEARCH + "rattacher/", {"proposal": target.pk, "entry": [entry.pk]}
    )
    assert response.status_code == 403
    assert not StatementTag.objects.exists()


def test_the_national_team_ties_statements_and_sees_them_on_the_proposal_page(
    indexed_demo, national_client
):
    target = proposal()
    entries = IndexedStatement.objects.filter(text__startswith="Maintenance")[:2]
    response = national_client.post(
        SEARCH + "rattacher/",
        {"proposal": target.pk, "entry": [e.pk for e in entries], "query_string": "q=x"},
    )
    assert response.status_code == 302
    assert StatementTag.objects.filter(proposal=target).count() == 2
    page = national_client.get("/national/propositions/1/").content.decode()
    assert "Pays de la Loire (2" in page
    assert "Bretagne" in page  # among the regions that said nothing
    found = results(national_client.get(SEARCH, {"proposition": "1"}))
    assert len(found) == 2


def test_similar_statements_of_one_statement(indexed_demo, national_client):
    entry = IndexedStatement.objects.get(kind="irritants", text="Maintenance des matériels")
    response = national_client.get(f"/national/enonces/{entry.pk}/semblables/")
    found = [other.text for other, _ in response.context["found"]]
    assert "Maintenance du matériel emprunté" in found
    assert "Coût du matériel" not in found
