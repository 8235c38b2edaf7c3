"""The history page's search: by author, date range and text, in a URL one can share."""

import html
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from workshops.models import DiagnosticRow, Irritant, MainIrritant, Synthesis

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Session, user, demo-account check, synthesis, the right to edit it, the thematics, the
# authors, the count, the page's keys, its records: whatever the filters and the size.
HISTORY_QUERIES = 10


def text(response):
    return html.unescape(response.content.decode())


def history_url(synthesis):
    return reverse("history:page", args=[synthesis.slug])


def entries(response):
    """The rows of the history table: {history row id: its text}."""
    page = text(response)
    return {
        match.group(1): match.group(2)
        for match in re.finditer(r'<tr id="(changement-[^"]+)">(.*?)</tr>', page, re.S)
    }


def person(first_name, last_name, synthesis):
    user = factories.facilitator_of(synthesis)
    user.first_name, user.last_name = first_name, last_name
    user.save()
    return user


def edit(client, irritant, new_text):
    section = irritant.row.section
    url = reverse(
        "board:edit_statement",
        args=[section.synthesis.slug, section.thematic.number, "irritants", irritant.pk],
    )
    irritant.refresh_from_db()
    response = client.post(url, {"text": new_text, "version": irritant.version}, **HTMX)
    assert response.status_code == 200
    return Irritant.history.filter(id=irritant.pk).latest()


def dated(record, day):
    """Moves a historical record to noon of `day` (Paris time)."""
    when = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))
    type(record).objects.filter(history_id=record.history_id).update(history_date=when)


@pytest.fixture
def section():
    return factories.board_section(rows=2, statements=3)


@pytest.fixture
def synthesis(section):
    return section.synthesis


@pytest.fixture
def anne(synthesis):
    return person("Anne", "Le Goff", synthesis)


@pytest.fixture
def yves(synthesis):
    return person("Yves", "Durand", synthesis)


@pytest.fixture
def two_edits(section, anne, yves):
    """Anne and Yves each edit an irritant, on two different days."""
    first, second = Irritant.objects.filter(row__section=section).order_by("pk")[:2]
    annes = edit(factories.logged_in(anne), first, "Zones blanches en Vendée")
    yves_ = edit(factories.logged_in(yves), second, "Tablettes sans connexion")
    dated(annes, datetime(2026, 10, 12).date())
    dated(yves_, datetime(2026, 10, 20).date())
    return annes, yves_


def test_the_filters_are_offered_with_french_labels_and_the_authors_of_the_changes(
    facilitator_client, synthesis, two_edits
):
    page = text(facilitator_client.get(history_url(synthesis)))
    for label in ("Type de changement", "Thématique", "Auteur", "Du", "Au (inclus)"):
        assert f">{label}<" in page or f">{label}<span" in page, label
    assert "Texte contenant" in page
    authors = re.search(r'<select[^>]*name="auteur"[^>]*>(.*?)</select>', page, re.S).group(1)
    names = re.findall(r'<option value="[^"]*"[^>]*>([^<]*)</option>', authors)
    # Every author of a change to this synthesis, by name, in alphabetical order.
    assert names == ["Tous", "Anne Le Goff", "Yves Durand", "Inconnu (import ou ligne de commande)"]
    assert 'type="date"' in page and 'type="search"' in page


def test_the_author_filter_keeps_only_that_person_s_changes(
    facilitator_client, synthesis, anne, two_edits
):
    annes, yves_ = two_edits
    response = facilitator_client.get(history_url(synthesis), {"auteur": anne.username})
    shown = entries(response)
    assert f"changement-irritants-{annes.history_id}" in shown
    assert f"changement-irritants-{yves_.history_id}" not in shown
    assert all("Anne Le Goff" in row for row in shown.values())
    assert "1 changement correspondant aux filtres" in text(response)
    # The selected author stays selected.
    assert re.search(rf'<option value="{anne.username}" selected>', text(response))


def test_an_unknown_author_is_ignored_and_the_command_line_is_its_own_author(
    facilitator_client, synthesis, two_edits
):
    everything = entries(facilitator_client.get(history_url(synthesis)))
    forged = entries(facilitator_client.get(history_url(synthesis), {"auteur": "personne"}))
    assert forged == everything
    # The board section of the factories was created from the command line: no author.
    nobody = entries(facilitator_client.get(history_url(synthesis), {"auteur": "inconnu"}))
    assert nobody and all("inconnu" in row for row in nobody.values())
    assert not set(nobody) & {key for key, row in everything.items() if "Le Goff" in row}


def test_the_date_range_includes_both_days_in_paris_time(facilitator_client, synthesis, two_edits):
    annes, yves_ = two_edits
    url = history_url(synthesis)
    only_anne = entries(facilitator_client.get(url, {"du": "2026-10-12", "au": "2026-10-12"}))
    assert set(only_anne) == {f"changement-irritants-{annes.history_id}"}
    both = entries(facilitator_client.get(url, {"du": "2026-10-12", "au": "2026-10-20"}))
    assert set(both) == {
        f"changement-irritants-{annes.history_id}",
        f"changement-irritants-{yves_.history_id}",
    }
    since = entries(facilitator_client.get(url, {"du": "2026-10-13", "au": "2026-11-30"}))
    assert f"changement-irritants-{yves_.history_id}" in since
    assert f"changement-irritants-{annes.history_id}" not in since
    # French dates typed in the URL are understood too.
    typed = entries(facilitator_client.get(url, {"du": "12/10/2026", "au": "12/10/2026"}))
    assert set(typed) == set(only_anne)


def test_a_wrong_date_is_said_next_to_its_field_and_the_other_filters_still_apply(
    facilitator_client, synthesis, anne, two_edits
):
    annes, _yves = two_edits
    url = history_url(synthesis)
    response = facilitator_client.get(url, {"du": "2026-02-30", "auteur": anne.username})
    assert response.status_code == 200
    page = text(response)
    assert "Saisissez une date valide, par exemple 12/10/2020." in page
    assert 'aria-describedby="filtre-du-aide filtre-du-erreur"' in page
    assert set(entries(response)) == {f"changement-irritants-{annes.history_id}"}
    inverted = text(facilitator_client.get(url, {"du": "2026-10-20", "au": "2026-10-12"}))
    assert "La date de fin précède la date de début\u00a0: inversez-les." in inverted
    far = text(facilitator_client.get(url, {"du": "0001-01-01", "au": "9999-12-31"}))
    assert far.count("Saisissez une date entre 2000 et 2100.") == 2


def test_the_text_search_finds_what_the_page_shows_linked_statements_included(
    facilitator_client, section, synthesis, two_edits
):
    url = history_url(synthesis)
    found = entries(facilitator_client.get(url, {"texte": "zones BLANCHES"}))
    assert found and all("Zones blanches en Vendée" in row for row in found.values())
    # A main irritant linked to a diagnostic irritant shows (and is found by) its text.
    linked = MainIrritant.objects.filter(row__section=section, source__isnull=False).first()
    found = entries(facilitator_client.get(url, {"texte": linked.source.text}))
    assert f"changement-irritants-principaux-{linked.history.earliest().history_id}" in found
    none = text(facilitator_client.get(url, {"texte": "introuvable quelque part"}))
    assert "Aucun changement ne correspond à ces filtres." in none


@pytest.mark.parametrize("value", ["\x00", "a\x01b", "x" * 201])
def test_a_hostile_text_is_refused_with_a_message_never_an_error(
    facilitator_client, synthesis, value
):
    response = facilitator_client.get(history_url(synthesis), {"texte": value})
    assert response.status_code == 200
    assert 'id="filtre-texte-erreur"' in text(response)


def test_a_filtered_history_is_a_link_to_share_kept_by_pagination_and_restores(
    facilitator_client, section, synthesis
):
    larger = factories.board_section(rows=10, statements=3)  # 30 irritants, 30 main ones
    client = factories.logged_in(factories.facilitator_of(larger.synthesis))
    filters = {"type": "ajouts", "texte": "irritant", "du": "2000-01-01"}
    page = text(client.get(history_url(larger.synthesis), filters))
    assert re.search(r"\d+ changements correspondant aux filtres · page 1 sur 2", page)
    next_link = re.search(r'href="\?([^"]*page=2)"', page).group(1)
    assert parse_qs(next_link) == {
        "type": ["ajouts"],
        "du": ["2000-01-01"],
        "texte": ["irritant"],
        "page": ["2"],
    }
    second = client.get(history_url(larger.synthesis), parse_qs(next_link))
    assert entries(second) and all("rritant" in row for row in entries(second).values())
    # Restoring from a filtered page comes back to it.
    row = DiagnosticRow.objects.filter(section=section).order_by("position").first()
    doomed = row.irritants.order_by("position").last()
    doomed_id = doomed.pk
    doomed.delete()
    record = Irritant.history.get(id=doomed_id, history_type="-")
    back = urlsplit(
        facilitator_client.post(
            reverse("history:restore", args=[synthesis.slug]),
            {
                "type": "irritants",
                "enregistrement": record.history_id,
                "retour": "auteur=inconnu&texte=irritant&du=2000-01-01&au=2100-12-31&page=1",
            },
        )["Location"]
    )
    assert parse_qs(back.query) == {
        "auteur": ["inconnu"],
        "texte": ["irritant"],
        "du": ["2000-01-01"],
        "au": ["2100-12-31"],
        "page": ["1"],
    }


def test_a_filtered_page_costs_the_same_queries_whatever_the_filters_and_the_size(
    client, section, django_assert_max_num_queries
):
    larger = factories.board_section(rows=30, statements=5)
    client.force_login(factories.UserFactory(is_staff=True))
    counts = []
    for target in (section, larger):
        author = person("Anne", "Le Goff", target.synthesis)
        irritant = Irritant.objects.filter(row__section=target).first()
        edit(factories.logged_in(author), irritant, "Un texte corrigé")
        every_filter = {
            "type": "modifications",
            "thematique": str(target.thematic.number),
            "auteur": author.username,
            "du": "2000-01-01",
            "au": "2100-12-31",
            "texte": "corrigé",
        }
        for query in ({}, every_filter, {"texte": "irritant", "page": 2}):
            with django_assert_max_num_queries(HISTORY_QUERIES) as queries:
                response = client.get(history_url(target.synthesis), query)
            assert response.status_code == 200 and entries(response)
            counts.append(len(queries))
    assert len(set(counts)) == 1, counts


def test_the_history_of_the_demo_has_no_first_version_rows_and_filters_work_on_it(
    demo_data, client
):
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    client.force_login(factories.facilitator_of(synthesis))
    response = client.get(history_url(synthesis), {"texte": "numérique", "thematique": "3"})
    assert response.status_code == 200
