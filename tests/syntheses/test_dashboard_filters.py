"""Search and filters on « Mes synthèses » and on the home page: region, status, year and
words of the title, in a shareable GET URL, French labels, the same queries whatever the
filters."""

import re
from html import unescape

import pytest
from django.urls import reverse

from etatsgeneraux.syntheses.filters import folded
from tests import factories
from tests.factories import logged_in
from workshops.models import Synthesis

HOME = reverse("syntheses:home")


def titles(response):
    """The titles listed (the table's row headers, or the cards' titles)."""
    html = response.content.decode()
    found = re.findall(
        r'<(?:th scope="row"|h2 class="fr-card__title")[^>]*><a [^>]*>([^<]+)</a>', html
    )
    return [unescape(title) for title in found]


@pytest.fixture
def listed(db):
    """Syntheses of two regions and two years, drafts and published ones; and an admin."""
    bretagne = factories.RegionFactory(code="bretagne", name="Bretagne")
    occitanie = factories.RegionFactory(code="occitanie", name="Occitanie")
    make = factories.SynthesisFactory
    make(title="Synthèse régionale – Bretagne", region=bretagne, year=2020)
    make(
        title="Synthèse départementale du Finistère",
        region=bretagne,
        year=2021,
        status=Synthesis.Status.DRAFT,
    )
    make(title="Synthèse régionale – Occitanie", region=occitanie, year=2020)
    make(title="Ateliers de l’Hérault", region=occitanie, year=2021, status=Synthesis.Status.DRAFT)
    return factories.UserFactory(is_staff=True, is_superuser=True)


def get(client, **query):
    return client.get(HOME, query)


def test_the_dashboard_filters_by_region_status_year_and_title_words(listed):
    client = logged_in(listed)
    assert len(titles(get(client))) == 4
    assert sorted(titles(get(client, region="bretagne"))) == [
        "Synthèse départementale du Finistère",
        "Synthèse régionale – Bretagne",
    ]
    assert sorted(titles(get(client, statut="brouillon"))) == [
        "Ateliers de l’Hérault",
        "Synthèse départementale du Finistère",
    ]
    assert sorted(titles(get(client, annee="2020"))) == [
        "Synthèse régionale – Bretagne",
        "Synthèse régionale – Occitanie",
    ]
    assert titles(get(client, region="occitanie", statut="publiee", annee="2020")) == [
        "Synthèse régionale – Occitanie"
    ]


def test_the_title_search_ignores_case_and_accents_and_wants_every_word(listed):
    client = logged_in(listed)
    assert titles(get(client, recherche="herault")) == ["Ateliers de l’Hérault"]
    assert titles(get(client, recherche="  SYNTHESE   finistère ")) == [
        "Synthèse départementale du Finistère"
    ]
    assert sorted(titles(get(client, recherche="regionale"))) == [
        "Synthèse régionale – Bretagne",
        "Synthèse régionale – Occitanie",
    ]
    response = get(client, recherche="bretagne hérault")
    assert titles(response) == []
    assert "Aucune synthèse ne correspond à ces filtres." in unescape(response.content.decode())


def test_the_filters_are_a_shareable_get_form_with_french_labels(listed):
    client = logged_in(listed)
    html = unescape(
        get(client, region="bretagne", statut="brouillon", annee="2021", recherche="finis")
        .content.decode()
        .replace("&nbsp;", " ")
    )
    form = re.search(r'<form method="get" action="/"[^>]*role="search".*?</form>', html, re.S)
    assert form is not None
    form = form.group(0)
    for label in ("Région académique", "Statut", "Année", "Mots du titre", "Filtrer"):
        assert label in form
    assert '<option value="bretagne" selected>Bretagne</option>' in form
    assert '<option value="brouillon" selected>Brouillon</option>' in form
    assert '<option value="2021" selected>2021</option>' in form
    assert 'name="recherche" value="finis"' in form
    assert "Toutes les régions" in form and "Tous les statuts" in form
    assert "1 synthèse sur 4" in html
    assert "Effacer les filtres" in html


def test_a_filter_that_names_nothing_is_ignored_and_said(listed):
    client = logged_in(listed)
    response = get(client, region="atlantide", annee="1789", statut="<b>")
    assert len(titles(response)) == 4
    html = unescape(response.content.decode())
    assert "filtre ignoré" in html
    assert "région inconnue" in html and "année sans synthèse" in html
    assert "statut inconnu" in html


def test_a_referent_filters_only_what_they_may_read(vendee, referent):
    client = logged_in(referent)
    listed = titles(get(client))
    assert listed  # the Vendée annex and its regional synthesis
    filtered = titles(get(client, recherche="vendee"))
    assert filtered == [t for t in listed if "vendee" in folded(t)]
    # The choices are those of the list: no other region to choose.
    html = get(client).content.decode()
    assert 'value="pays-de-la-loire"' in html and 'value="bretagne"' not in html


def test_the_home_page_of_visitors_filters_the_published_syntheses(listed, client):
    assert sorted(titles(get(client))) == [
        "Synthèse régionale – Bretagne",
        "Synthèse régionale – Occitanie",
    ]
    assert titles(get(client, region="occitanie")) == ["Synthèse régionale – Occitanie"]
    html = get(client).content.decode()
    assert 'name="statut"' not in html  # visitors read published syntheses only
    assert 'name="region"' in html


def test_the_archived_list_is_filtered_too(listed):
    archived = Synthesis.objects.get(title="Synthèse régionale – Occitanie")
    archived.archive(listed)
    html = get(logged_in(listed), region="bretagne").content.decode()
    assert "Synthèses archivées" not in html
    html = get(logged_in(listed), region="occitanie").content.decode()
    assert "Synthèses archivées" in html


def test_the_filtered_dashboard_runs_as_many_queries_as_the_whole_list(
    listed, django_assert_num_queries
):
    client = logged_in(listed)
    get(client)  # the session is read once
    for query in (
        {},
        {"region": "bretagne"},
        {"statut": "publiee", "annee": "2020"},
        {"recherche": "synthese bretagne", "region": "inconnue"},
    ):
        # session, user, demo-account check, syntheses, those managed, roles
        with django_assert_num_queries(6):
            assert get(client, **query).status_code == 200
    for number in range(20):
        factories.SynthesisFactory(title=f"Synthèse {number}")
    with django_assert_num_queries(6):
        assert get(client, region="bretagne").status_code == 200


def test_the_home_page_runs_one_query_whatever_the_filters(
    listed, client, django_assert_num_queries
):
    for query in ({}, {"region": "bretagne", "recherche": "synthese"}):
        with django_assert_num_queries(1):
            assert get(client, **query).status_code == 200
