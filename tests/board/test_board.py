"""The workshop board: facilitators enter a section's results live, with real rendering."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import ActionPlanRow, Axis, Horizon
from etatsgeneraux.board import editing
from etatsgeneraux.exchange.importing import builder
from etatsgeneraux.stages import CELLS, MAX_STATEMENTS_PER_SYNTHESIS, STAGES, statement_count
from tests import factories
from workshops.models import (
    DiagnosticRow,
    Irritant,
    Lever,
    MainIrritant,
    ProjectionRow,
    RetexReference,
    RetexSheet,
    Synthesis,
    ThematicSection,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Queries to render a board, whatever the number of rows: session and user, synthesis and
# rights, section, sections menu, RETEX sheets and links, and one per table of the 3 stages.
BOARD_QUERIES = 24


@pytest.fixture
def section():
    return factories.board_section(rows=2, statements=3)


@pytest.fixture
def synthesis(section):
    """The synthesis of the role fixtures (tests/conftest.py): a regional draft, so that the
    referent (`referent_client`) reads it and edits nothing."""
    return section.synthesis


def board_url(section, name="board:page", *args):
    return reverse(name, args=[section.synthesis.slug, section.thematic.number, *args])


def statement_url(section, cell, statement, action=""):
    names = {
        "": "board:statement",
        "modifier": "board:edit_statement",
        "supprimer": "board:delete_statement",
        "monter": "board:move_up",
        "descendre": "board:move_down",
        "mise-en-avant": "board:emphasis",
    }
    return board_url(section, names[action], cell, statement.pk)


def cell_url(section, stage, row, cell, action="ajouter"):
    names = {
        "ajouter": "board:add_statement",
        "relier": "board:link_form",
        "restaurer": "board:restore_statement",
        "": "board:cell",
    }
    return board_url(section, names[action], stage, row.pk, cell)


def settled(response):
    """What the page is told to announce and focus once the fragment is in place."""
    return json.loads(response["HX-Trigger-After-Settle"])["board:settled"]


def texts(row, related_name):
    return [s.display_text for s in getattr(row, related_name).order_by("position")]


def touched(synthesis):
    before = synthesis.updated_at
    return Synthesis.objects.get(pk=synthesis.pk).updated_at > before


# The page ------------------------------------------------------------------------------------


def test_a_facilitator_sees_the_three_stages_in_tabs_with_every_edit_control(
    facilitator_client, section
):
    response = facilitator_client.get(board_url(section))
    assert response.status_code == 200
    html = response.content.decode()
    for slug in STAGES:
        assert f'id="tab-{slug}"' in html and f'id="panel-{slug}"' in html
    assert 'role="tablist"' in html and html.count('role="tabpanel"') == 3
    for column in ["Irritants", "Points forts", "Irritants principaux", "Besoin(s)"]:
        assert f'<th scope="col">{column}</th>' in html
    assert "Acteurs mobilisés (Qui)" in html and "Indicateurs et facteurs de réussite" in html
    for label in ["Modifier", "Monter", "Descendre", "Mettre en avant", "Supprimer"]:
        assert f">{label}</button>" in html
    assert "Ajouter une ligne" in html and "Ajouter une fiche RETEX" in html
    irritant = Irritant.objects.filter(row__section=section).first()
    assert f'id="irritants-{irritant.pk}"' in html and irritant.text in html
    # Every "add" field is labelled, and the RETEX sheets are shown with their links.
    row = DiagnosticRow.objects.filter(section=section).first()
    assert f'<label class="fr-label fr-sr-only" for="new-irritants-{row.pk}">' in html
    assert "RETEX 1" in html and "https://example.org/retex/" in html
    assert 'id="board-status"' in html and 'aria-live="polite"' in html


def test_linked_statements_show_the_text_of_what_they_link(facilitator_client, section):
    main = MainIrritant.objects.filter(row__section=section, source__isnull=False).first()
    assert main.text == ""
    html = facilitator_client.get(board_url(section)).content.decode()
    start = html.index(f'id="irritants-principaux-{main.pk}"')
    assert main.source.text in html[start : start + 400]
    assert "relié au diagnostic" in html[start : start + 600]


def test_the_selected_tab_follows_the_stage_in_the_url(facilitator_client, section):
    html = facilitator_client.get(board_url(section) + "?etape=plan-action").content.decode()
    assert re.search(r'id="tab-plan-action"[^>]*aria-selected="true"', html, re.S)
    assert re.search(r'id="tab-diagnostic"[^>]*aria-selected="false"', html, re.S)


def test_a_reader_sees_the_board_without_any_edit_control(referent_client, section):
    response = referent_client.get(board_url(section))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lecture seule" in html
    # Nothing to change; the only request the page makes is the live updates' poll.
    assert "hx-post" not in html
    assert re.findall(r'hx-get="([^"]*)"', html) == [board_url(section, "board:changes")]
    assert "<form" not in html.split('id="board"')[1]
    assert Irritant.objects.filter(row__section=section).first().text in html


def test_a_user_who_may_not_read_the_synthesis_gets_a_404(client, section):
    client.force_login(factories.UserFactory())
    assert client.get(board_url(section)).status_code == 404
    assert client.post(board_url(section, "board:add_row", "diagnostic")).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, section):
    response = client.get(board_url(section))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_section_the_synthesis_does_not_treat_is_not_found(facilitator_client, synthesis):
    url = reverse("board:page", args=[synthesis.slug, 4])
    assert facilitator_client.get(url).status_code == 404


def test_staff_edit_every_synthesis(client, section):
    client.force_login(factories.UserFactory(is_staff=True))
    row = DiagnosticRow.objects.filter(section=section).first()
    response = client.post(
        cell_url(section, "diagnostic", row, "irritants"), {"text": "Oui"}, **HTMX
    )
    assert response.status_code == 200


# Refusals --------------------------------------------------------------------------------------


def every_change(section):
    """(URL, data) for each kind of change the board sends."""
    diagnostic = DiagnosticRow.objects.filter(section=section).first()
    plan = ActionPlanRow.objects.filter(section=section).first()
    irritant = diagnostic.irritants.first()
    sheet = RetexSheet.objects.filter(section=section).first()
    return [
        (cell_url(section, "diagnostic", diagnostic, "irritants"), {"text": "Nouveau"}),
        (statement_url(section, "irritants", irritant, "modifier"), {"text": "X", "version": 1}),
        (statement_url(section, "irritants", irritant, "supprimer"), {}),
        (statement_url(section, "irritants", irritant, "monter"), {}),
        (statement_url(section, "irritants", irritant, "descendre"), {}),
        (statement_url(section, "irritants", irritant, "mise-en-avant"), {"version": 1}),
        (
            cell_url(section, "diagnostic", diagnostic, "irritants", "restaurer"),
            {"text": "X", "position": 9},
        ),
        (board_url(section, "board:add_row", "diagnostic"), {}),
        (board_url(section, "board:move_row_up", "diagnostic", diagnostic.pk), {}),
        (board_url(section, "board:move_row_down", "diagnostic", diagnostic.pk), {}),
        (board_url(section, "board:delete_row", "diagnostic", diagnostic.pk), {}),
        (board_url(section, "board:edit_row_retex", diagnostic.pk), {"version": 1}),
        (board_url(section, "board:horizon", plan.pk), {"version": 1, "horizon": ""}),
        (board_url(section, "board:add_sheet"), {"number": 9}),
        (board_url(section, "board:edit_sheet", sheet.pk), {"number": 9}),
        (board_url(section, "board:delete_sheet", sheet.pk), {}),
    ]


def snapshot(section):
    return (
        list(Irritant.objects.filter(row__section=section).values_list("pk", "text", "position")),
        DiagnosticRow.objects.filter(section=section).count(),
        RetexSheet.objects.filter(section=section).count(),
        list(ActionPlanRow.objects.filter(section=section).values_list("horizon", flat=True)),
        Synthesis.objects.get(pk=section.synthesis_id).updated_at,
    )


def test_every_change_a_reader_sends_is_refused_with_403_and_nothing_changes(
    referent_client, section
):
    before = snapshot(section)
    for url, data in every_change(section):
        response = referent_client.post(url, data, **HTMX)
        assert response.status_code == 403, url
        assert response["X-Board-Error"] == "forbidden"
    assert snapshot(section) == before


def test_the_edit_forms_are_refused_to_readers_too(referent_client, section):
    irritant = Irritant.objects.filter(row__section=section).first()
    assert (
        referent_client.get(statement_url(section, "irritants", irritant, "modifier")).status_code
        == 403
    )
    assert referent_client.get(board_url(section, "board:add_sheet")).status_code == 403


def test_every_change_sent_after_the_session_expired_gets_a_401_and_nothing_changes(
    client, section
):
    before = snapshot(section)
    for url, data in every_change(section):
        response = client.post(url, data, **HTMX)
        assert response.status_code == 401, url
        assert response["X-Board-Error"] == "session"
    assert snapshot(section) == before


def test_a_logged_in_stranger_changes_nothing(client, section):
    client.force_login(factories.UserFactory())
    before = snapshot(section)
    for url, data in every_change(section):
        assert client.post(url, data, **HTMX).status_code == 404, url
    assert snapshot(section) == before


def test_every_change_needs_the_csrf_token(section):
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.facilitator_of(section.synthesis))
    page = client.get(board_url(section))
    token = client.cookies["csrftoken"].value
    assert re.search(
        r"hx-headers='\{&quot;X-CSRFToken&quot;|hx-headers='\{\"X-CSRFToken\"",
        page.content.decode(),
    )
    before = snapshot(section)
    for url, data in every_change(section):
        assert client.post(url, data, **HTMX).status_code == 403, url
    assert snapshot(section) == before
    row = DiagnosticRow.objects.filter(section=section).first()
    response = client.post(
        cell_url(section, "diagnostic", row, "irritants"),
        {"text": "Avec le jeton"},
        HTTP_X_CSRFTOKEN=token,
        **HTMX,
    )
    assert response.status_code == 200
    assert "Avec le jeton" in texts(row, "irritants")


def test_an_unknown_column_or_stage_is_not_found(facilitator_client, section):
    row = DiagnosticRow.objects.filter(section=section).first()
    assert (
        facilitator_client.post(
            cell_url(section, "diagnostic", row, "besoins"), {"text": "x"}
        ).status_code
        == 404
    )
    assert facilitator_client.post(board_url(section, "board:add_row", "autre")).status_code == 404


def test_a_statement_of_another_section_cannot_be_reached_through_this_one(
    facilitator_client, section
):
    other = factories.board_section(rows=1, statements=1, synthesis=section.synthesis, thematic=3)
    irritant = Irritant.objects.filter(row__section=other).first()
    url = statement_url(section, "irritants", irritant, "modifier")
    assert facilitator_client.post(url, {"text": "Piraté", "version": 1}, **HTMX).status_code == 404
    assert Irritant.objects.get(pk=irritant.pk).text != "Piraté"
    assert (
        facilitator_client.post(
            statement_url(section, "irritants", irritant, "supprimer")
        ).status_code
        == 404
    )
    assert Irritant.objects.filter(pk=irritant.pk).exists()


# Statements ----------------------------------------------------------------------------------


def test_typing_a_statement_and_pressing_enter_adds_it_at_the_end_of_the_cell(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants"),
        {"text": "  Manque de matériel  "},
        **HTMX,
    )
    assert response.status_code == 200
    assert texts(row, "irritants")[-1] == "Manque de matériel"
    html = response.content.decode()
    assert html.count('<li id="irritants-') == 4 and "Manque de matériel" in html
    assert f'id="cell-irritants-{row.pk}"' in html
    after = settled(response)
    assert after["focus"] == [f"new-irritants-{row.pk}"]
    assert "Manque de matériel" in after["announce"]
    assert touched(section.synthesis)


def test_a_statement_beyond_the_synthesis_limit_is_refused_in_french(
    facilitator_client, section, monkeypatch
):
    """The limit (stages.MAX_STATEMENTS_PER_SYNTHESIS), lowered to what the section holds."""
    row = DiagnosticRow.objects.filter(section=section).first()
    held = statement_count(section.synthesis_id)
    monkeypatch.setattr(editing, "MAX_STATEMENTS_PER_SYNTHESIS", held)
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants"), {"text": "Un de trop"}, **HTMX
    )
    assert response.status_code == 422
    assert "le plus qu’elle puisse en tenir" in response.content.decode()
    assert statement_count(section.synthesis_id) == held
    monkeypatch.setattr(editing, "MAX_STATEMENTS_PER_SYNTHESIS", held + 1)
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants"), {"text": "Le dernier"}, **HTMX
    )
    assert response.status_code == 200
    assert statement_count(section.synthesis_id) == held + 1


def test_the_import_and_the_board_share_one_statement_limit():
    assert builder.MAX_STATEMENTS is MAX_STATEMENTS_PER_SYNTHESIS


def test_an_empty_statement_is_refused_with_a_french_message_next_to_the_field(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants"), {"text": "   "}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p id="new-irritants-{row.pk}-error" class="fr-error-text">Saisissez un texte.' in html
    assert 'aria-invalid="true"' in html
    assert len(texts(row, "irritants")) == 3
    assert not touched(section.synthesis)


def test_a_statement_too_long_is_refused_and_the_typed_text_stays_in_the_field(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    text = "x" * 2001
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "points-forts"), {"text": text}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "ne doit pas dépasser 2\u00a0000\u00a0caractères (il en compte 2001)" in html
    assert f'value="{text}"' in html
    assert len(texts(row, "strengths")) == 3


def test_editing_a_statement_in_place_saves_it_at_once(facilitator_client, section):
    irritant = Irritant.objects.filter(row__section=section).first()
    form = facilitator_client.get(statement_url(section, "irritants", irritant, "modifier"), **HTMX)
    html = form.content.decode()
    assert f'<label class="fr-label" for="edit-irritants-{irritant.pk}">' in html
    assert 'name="version" value="1"' in html and irritant.text in html
    response = facilitator_client.post(
        statement_url(section, "irritants", irritant, "modifier"),
        {"text": "Texte corrigé", "version": 1, "row": irritant.row_id},
        **HTMX,
    )
    assert response.status_code == 200
    irritant.refresh_from_db()
    assert (irritant.text, irritant.version) == ("Texte corrigé", 2)
    assert "Texte corrigé" in response.content.decode()
    assert settled(response)["focus"] == [f"irritants-{irritant.pk}-edit"]
    assert touched(section.synthesis)


def test_the_second_of_two_concurrent_edits_is_refused_and_shows_both_texts(
    facilitator_client, section
):
    irritant = Irritant.objects.filter(row__section=section).first()
    url = statement_url(section, "irritants", irritant, "modifier")
    # Both facilitators opened the form at version 1; the first one saves.
    first = facilitator_client.post(url, {"text": "Texte de la première", "version": 1}, **HTMX)
    assert first.status_code == 200
    second = facilitator_client.post(url, {"text": "Texte de la seconde", "version": 1}, **HTMX)
    assert second.status_code == 409
    html = second.content.decode()
    assert "Quelqu’un a modifié cet énoncé pendant votre saisie" in html
    assert "Texte de la première" in html  # what is stored now
    assert "Texte de la seconde" in html  # what the second one typed, still in the field
    assert 'name="version" value="2"' in html
    assert Irritant.objects.get(pk=irritant.pk).text == "Texte de la première"
    # Saving again from the conflict form replaces the stored text, knowingly.
    again = facilitator_client.post(url, {"text": "Texte de la seconde", "version": 2}, **HTMX)
    assert again.status_code == 200
    assert Irritant.objects.get(pk=irritant.pk).text == "Texte de la seconde"


def test_editing_a_statement_deleted_meanwhile_offers_to_add_the_typed_text_again(
    facilitator_client, section
):
    irritant = Irritant.objects.filter(row__section=section, projections=None).first()
    url = statement_url(section, "irritants", irritant, "modifier")
    Irritant.objects.filter(pk=irritant.pk).delete()
    response = facilitator_client.post(
        url, {"text": "Mon texte", "version": 1, "row": irritant.row_id}, **HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Cet énoncé a été supprimé entre-temps" in html and "Mon texte" in html
    assert cell_url(section, "diagnostic", irritant.row, "irritants") in html


def test_deleting_a_statement_can_be_undone_and_it_comes_back_at_its_place(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    middle = row.irritants.order_by("position")[1]
    middle.emphasised = True
    middle.save()
    before = texts(row, "irritants")
    response = facilitator_client.post(
        statement_url(section, "irritants", middle, "supprimer"), **HTMX
    )
    assert response.status_code == 200
    assert len(texts(row, "irritants")) == 2
    html = response.content.decode()
    assert "Annuler la suppression" in html and middle.text in html
    assert settled(response)["focus"] == [f"irritants-{middle.pk}-undo"]
    # The undo notice holds what the restore needs.
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
    assert data["position"] == "2" and data["emphasised"] == "true"
    restored = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants", "restaurer"), data, **HTMX
    )
    assert restored.status_code == 200
    assert texts(row, "irritants") == before
    assert row.irritants.get(text=middle.text).emphasised


def test_undoing_a_deletion_makes_room_when_the_place_was_taken_meanwhile(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    a, b, c = row.irritants.order_by("position")
    facilitator_client.post(statement_url(section, "irritants", b, "supprimer"), **HTMX)
    Irritant.objects.filter(pk=c.pk).update(position=2)  # someone else moved c up meanwhile
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants", "restaurer"),
        {"text": b.text, "position": 2},
        **HTMX,
    )
    assert response.status_code == 200
    assert texts(row, "irritants") == [a.text, b.text, c.text]
    assert list(row.irritants.values_list("position", flat=True)) == [1, 2, 3]


def test_undoing_with_a_huge_position_puts_the_statement_last_and_the_cell_keeps_working(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    a, b, c = row.irritants.order_by("position")
    response = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants", "restaurer"),
        {"text": "Revenu de loin", "position": 2147483647},
        **HTMX,
    )
    assert response.status_code == 200
    assert list(row.irritants.values_list("position", flat=True)) == [1, 2, 3, 4]
    added = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants", "ajouter"), {"text": "Après"}, **HTMX
    )
    assert added.status_code == 200
    again = facilitator_client.post(
        cell_url(section, "diagnostic", row, "irritants", "restaurer"),
        {"text": "Encore", "position": 2147483647},
        **HTMX,
    )
    assert again.status_code == 200
    assert texts(row, "irritants") == [a.text, b.text, c.text, "Revenu de loin", "Après", "Encore"]


def test_moving_a_statement_up_and_down_swaps_it_with_its_neighbour(facilitator_client, section):
    row = DiagnosticRow.objects.filter(section=section).first()
    a, b, c = row.irritants.order_by("position")
    response = facilitator_client.post(statement_url(section, "irritants", c, "monter"), **HTMX)
    assert response.status_code == 200
    assert texts(row, "irritants") == [a.text, c.text, b.text]
    assert settled(response)["focus"] == [f"irritants-{c.pk}-up", f"irritants-{c.pk}-down"]
    assert "monte" in settled(response)["announce"]
    facilitator_client.post(statement_url(section, "irritants", a, "descendre"), **HTMX)
    assert texts(row, "irritants") == [c.text, a.text, b.text]
    # At an end, nothing moves.
    response = facilitator_client.post(statement_url(section, "irritants", c, "monter"), **HTMX)
    assert response.status_code == 200 and "déjà" in settled(response)["announce"]
    assert texts(row, "irritants") == [c.text, a.text, b.text]
    # Moving does not count as an edit of the text: a form opened before still saves.
    assert Irritant.objects.get(pk=c.pk).version == 1
    assert touched(section.synthesis)


def test_emphasis_toggles_on_and_off(facilitator_client, section):
    irritant = Irritant.objects.filter(row__section=section).first()
    url = statement_url(section, "irritants", irritant, "mise-en-avant")
    response = facilitator_client.post(url, {"version": 1, "emphasised": "true"}, **HTMX)
    assert response.status_code == 200
    assert Irritant.objects.get(pk=irritant.pk).emphasised
    html = response.content.decode()
    assert "board-statement--emphasised" in html and "<strong>" in html
    assert 'aria-pressed="true"' in html and "(mis en avant)" in html
    assert '"version": "2", "emphasised": "false"' in html
    facilitator_client.post(url, {"version": 2, "emphasised": "false"}, **HTMX)
    assert not Irritant.objects.get(pk=irritant.pk).emphasised


def test_a_stale_emphasis_toggle_is_refused_and_shows_the_current_statement(
    facilitator_client, section
):
    irritant = Irritant.objects.filter(row__section=section).first()
    Irritant.objects.filter(pk=irritant.pk).update(text="Changé ailleurs", version=5)
    url = statement_url(section, "irritants", irritant, "mise-en-avant")
    response = facilitator_client.post(url, {"version": 1, "emphasised": "true"}, **HTMX)
    assert response.status_code == 409
    assert "Changé ailleurs" in response.content.decode()
    assert not Irritant.objects.get(pk=irritant.pk).emphasised


def test_a_main_irritant_is_picked_among_the_diagnostic_irritants_of_the_section(
    facilitator_client, section
):
    row = ProjectionRow.objects.filter(section=section).first()
    irritant = Irritant.objects.filter(row__section=section).last()
    picker = facilitator_client.get(
        cell_url(section, "projections", row, "irritants-principaux", "relier"), **HTMX
    )
    html = picker.content.decode()
    assert f'<label class="fr-label" for="link-irritants-principaux-{row.pk}">' in html
    assert f'<option value="{irritant.pk}"' in html and "Ligne 2 du diagnostic" in html
    response = facilitator_client.post(
        cell_url(section, "projections", row, "irritants-principaux"),
        {"mode": "link", "source": irritant.pk, "text": ""},
        **HTMX,
    )
    assert response.status_code == 200
    main = row.main_irritants.order_by("position").last()
    assert main.source == irritant and main.display_text == irritant.text
    assert irritant.text in response.content.decode()


def test_a_main_irritant_may_be_typed_instead(facilitator_client, section):
    row = ProjectionRow.objects.filter(section=section).first()
    facilitator_client.post(
        cell_url(section, "projections", row, "irritants-principaux"), {"text": "Saisi"}, **HTMX
    )
    main = row.main_irritants.order_by("position").last()
    assert (main.source, main.text) == (None, "Saisi")


def test_an_irritant_of_another_section_cannot_be_linked(facilitator_client, section):
    other = factories.board_section(rows=1, statements=1, synthesis=section.synthesis, thematic=3)
    foreign = Irritant.objects.filter(row__section=other).first()
    row = ProjectionRow.objects.filter(section=section).first()
    count = row.main_irritants.count()
    response = facilitator_client.post(
        cell_url(section, "projections", row, "irritants-principaux"),
        {"mode": "link", "source": foreign.pk},
        **HTMX,
    )
    assert response.status_code == 422
    assert "appartient à une autre thématique" in response.content.decode()
    assert row.main_irritants.count() == count


def test_an_axis_is_picked_among_the_levers_and_its_link_can_be_changed(
    facilitator_client, section
):
    row = ActionPlanRow.objects.filter(section=section).first()
    lever = Lever.objects.filter(row__section=section).last()
    facilitator_client.post(
        cell_url(section, "plan-action", row, "axes"),
        {"mode": "link", "source": lever.pk},
        **HTMX,
    )
    axis = row.axes.order_by("position").last()
    assert axis.source == lever
    other = Lever.objects.filter(row__section=section).first()
    response = facilitator_client.post(
        statement_url(section, "axes", axis, "modifier"),
        {"source": other.pk, "text": "", "version": axis.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert Axis.objects.get(pk=axis.pk).source == other
    # Unlinking needs a text of its own.
    response = facilitator_client.post(
        statement_url(section, "axes", axis, "modifier"),
        {"source": "", "text": "", "version": axis.version + 1},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Saisissez un texte ou choisissez un levier des projections" in response.content.decode()


def test_an_irritant_a_main_irritant_links_cannot_be_deleted(facilitator_client, section):
    main = MainIrritant.objects.filter(row__section=section, source__isnull=False).first()
    response = facilitator_client.post(
        statement_url(section, "irritants", main.source, "supprimer"), **HTMX
    )
    assert response.status_code == 409
    assert "Suppression impossible" in response.content.decode()
    assert "irritant principal, ligne" in response.content.decode()
    assert Irritant.objects.filter(pk=main.source_id).exists()


# Rows ----------------------------------------------------------------------------------------


def test_adding_a_row_appends_an_empty_row_and_focuses_its_first_field(facilitator_client, section):
    response = facilitator_client.post(board_url(section, "board:add_row", "projections"), **HTMX)
    assert response.status_code == 200
    row = ProjectionRow.objects.filter(section=section).order_by("position").last()
    assert row.main_irritants.count() == 0
    html = response.content.decode()
    assert "Ligne 3" in html and f'id="new-irritants-principaux-{row.pk}"' in html
    assert settled(response)["focus"] == [f"new-irritants-principaux-{row.pk}"]
    assert touched(section.synthesis)


def test_deleting_a_row_removes_it_with_its_statements(facilitator_client, section):
    facilitator_client.post(board_url(section, "board:add_row", "plan-action"), **HTMX)
    row = ActionPlanRow.objects.filter(section=section).order_by("position").last()
    factories.ActionFactory(row=row)
    response = facilitator_client.post(
        board_url(section, "board:delete_row", "plan-action", row.pk), **HTMX
    )
    assert response.status_code == 200
    assert not ActionPlanRow.objects.filter(pk=row.pk).exists()
    assert ActionPlanRow.objects.filter(section=section).count() == 2


def test_a_row_whose_lever_an_axis_takes_up_cannot_be_deleted(facilitator_client, section):
    row = ProjectionRow.objects.filter(section=section).first()
    response = facilitator_client.post(
        board_url(section, "board:delete_row", "projections", row.pk), **HTMX
    )
    assert response.status_code == 409
    assert "axe (Quoi), ligne 1 du plan d’action" in response.content.decode()
    assert ProjectionRow.objects.filter(pk=row.pk).exists()
    assert Lever.objects.filter(row=row).count() == 3


def test_rows_move_up_and_down(facilitator_client, section):
    first, second = DiagnosticRow.objects.filter(section=section).order_by("position")
    facilitator_client.post(
        board_url(section, "board:move_row_up", "diagnostic", second.pk), **HTMX
    )
    assert list(
        DiagnosticRow.objects.filter(section=section)
        .order_by("position")
        .values_list("pk", flat=True)
    ) == [second.pk, first.pk]


def test_the_retex_a_diagnostic_row_cites_are_chosen_among_the_sheets(facilitator_client, section):
    row = DiagnosticRow.objects.filter(section=section).first()
    sheets = list(RetexSheet.objects.filter(section=section).order_by("number"))
    url = board_url(section, "board:edit_row_retex", row.pk)
    form = facilitator_client.get(url, **HTMX).content.decode()
    assert f'id="retex-{row.pk}-sheets_0"' in form and "RETEX 3 – " in form
    response = facilitator_client.post(
        url,
        {"version": 1, "sheets": [sheets[1].pk, sheets[2].pk], "retex_label": "Témoignage oral"},
        **HTMX,
    )
    assert response.status_code == 200
    assert set(row.retex_sheets.all()) == {sheets[1], sheets[2]}
    assert "RETEX 2, RETEX 3" in response.content.decode()
    stale = facilitator_client.post(url, {"version": 1, "sheets": [sheets[0].pk]}, **HTMX)
    assert stale.status_code == 409
    assert "Enregistré maintenant" in stale.content.decode()
    assert set(row.retex_sheets.all()) == {sheets[1], sheets[2]}


def test_the_horizon_of_an_action_plan_row_is_saved_on_change(facilitator_client, section):
    row = ActionPlanRow.objects.filter(section=section).first()
    url = board_url(section, "board:horizon", row.pk)
    response = facilitator_client.post(url, {"version": 1, "horizon": "long"}, **HTMX)
    assert response.status_code == 200
    assert ActionPlanRow.objects.get(pk=row.pk).horizon == Horizon.LONG
    assert "Long terme" in settled(response)["announce"]
    stale = facilitator_client.post(url, {"version": 1, "horizon": "moyen"}, **HTMX)
    assert stale.status_code == 409
    assert "«\u00a0Long terme\u00a0» entre-temps" in stale.content.decode()
    assert "«\u00a0Moyen terme\u00a0» n’a pas été enregistré" in stale.content.decode()
    bad = facilitator_client.post(url, {"version": 2, "horizon": "demain"}, **HTMX)
    assert bad.status_code == 422
    assert ActionPlanRow.objects.get(pk=row.pk).horizon == Horizon.LONG


# RETEX sheets ----------------------------------------------------------------------------------


def test_a_retex_sheet_is_added_with_its_links(facilitator_client, section):
    form = facilitator_client.get(board_url(section, "board:add_sheet"), **HTMX)
    assert 'value="4"' in form.content.decode()  # the next number
    response = facilitator_client.post(
        board_url(section, "board:add_sheet"),
        {
            "number": 4,
            "origin": "Vendée",
            "title": "Un collège",
            "text": "Deux lignes.",
            "links": "example.org/fiche Fiche du collège\nhttps://example.org/video",
        },
        **HTMX,
    )
    assert response.status_code == 200
    sheet = RetexSheet.objects.get(section=section, number=4)
    assert [(link.url, link.label) for link in sheet.links.order_by("position")] == [
        ("https://example.org/fiche", "Fiche du collège"),
        ("https://example.org/video", ""),
    ]
    assert 'id="retex-new-slot"' in response.content.decode()


def test_a_retex_sheet_with_a_taken_number_or_a_bad_link_is_refused_whole(
    facilitator_client, section
):
    response = facilitator_client.post(
        board_url(section, "board:add_sheet"),
        {"number": 2, "links": "https://ok.example.org\njavascript:alert(1)"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Il y a déjà une fiche RETEX 2 dans cette thématique." in html
    assert "Ligne 2" in html and "n’est pas une adresse web valide" in html
    assert RetexSheet.objects.filter(section=section).count() == 3


def test_two_concurrent_edits_of_a_retex_sheet_keep_both_versions_visible(
    facilitator_client, section
):
    sheet = RetexSheet.objects.filter(section=section).first()
    url = board_url(section, "board:edit_sheet", sheet.pk)
    data = {"number": sheet.number, "origin": "A", "title": "Titre A", "text": "", "version": 1}
    assert facilitator_client.post(url, data, **HTMX).status_code == 200
    stale = facilitator_client.post(url, {**data, "title": "Titre B"}, **HTMX)
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Titre A" in html and "Titre B" in html
    assert RetexSheet.objects.get(pk=sheet.pk).title == "Titre A"


def test_deleting_a_retex_sheet_redraws_the_rows_that_cited_it(facilitator_client, section):
    reference = RetexReference.objects.filter(row__section=section).first()
    response = facilitator_client.post(
        board_url(section, "board:delete_sheet", reference.sheet_id), **HTMX
    )
    assert response.status_code == 200
    assert not RetexSheet.objects.filter(pk=reference.sheet_id).exists()
    html = response.content.decode()
    assert f'id="retex-refs-{reference.row_id}" class="board-retex" hx-swap-oob="true"' in html


# Markup the page's script relies on ---------------------------------------------------------


def test_statement_urls_written_by_the_templates_are_those_of_the_url_patterns(
    facilitator_client, section
):
    html = facilitator_client.get(board_url(section)).content.decode()
    for slug, cell in CELLS.items():
        statement = cell.model.objects.filter(row__section=section).first()
        for action in ["modifier", "monter", "descendre", "mise-en-avant", "supprimer"]:
            assert statement_url(section, slug, statement, action) in html, (slug, action)


def test_edit_forms_carry_what_is_needed_to_reopen_them_after_a_login(facilitator_client, section):
    irritant = Irritant.objects.filter(row__section=section).first()
    html = facilitator_client.get(statement_url(section, "irritants", irritant, "modifier")).content
    html = html.decode()
    assert f'data-board-open="{statement_url(section, "irritants", irritant, "modifier")}"' in html
    assert f'data-board-target="irritants-{irritant.pk}"' in html
    assert "data-board-draft" in html


# Speed ----------------------------------------------------------------------------------------


def test_the_largest_fixture_section_renders_with_a_constant_number_of_queries(
    demo_data, client, django_assert_max_num_queries
):
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    client.force_login(factories.facilitator_of(synthesis))
    section = ThematicSection.objects.get(synthesis=synthesis, thematic__number=2)
    url = board_url(section)
    with django_assert_max_num_queries(BOARD_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert "Enseigner et apprendre avec le numérique" in response.content.decode()


@pytest.mark.slow
def test_a_section_ten_times_larger_renders_with_the_same_number_of_queries(
    client, django_assert_max_num_queries
):
    small = factories.board_section(rows=1, statements=1)
    section = factories.board_section(rows=30, statements=5)
    client.force_login(factories.UserFactory(is_staff=True))
    urls = board_url(small), board_url(section)
    with CaptureQueriesContext(connection) as queries_small:
        client.get(urls[0])
    with django_assert_max_num_queries(BOARD_QUERIES) as queries_large:
        response = client.get(urls[1])
    assert response.status_code == 200
    assert response.content.decode().count('<li id="') == 30 * (2 + 3 + 5) * 5
    assert len(queries_large) == len(queries_small)


def test_each_change_costs_a_bounded_number_of_queries(
    facilitator_client, section, django_assert_max_num_queries
):
    row = DiagnosticRow.objects.filter(section=section).first()
    # 20, the change's historical record, the board's change marker (live updates) and the
    # count of the synthesis's statements against its limit (one query for every column)
    with django_assert_max_num_queries(23):
        facilitator_client.post(
            cell_url(section, "diagnostic", row, "irritants"), {"text": "x"}, **HTMX
        )


def test_an_undo_with_an_impossible_position_or_blank_text_is_refused(facilitator_client, section):
    row = DiagnosticRow.objects.filter(section=section).first()
    before = texts(row, "irritants")
    url = cell_url(section, "diagnostic", row, "irritants", "restaurer")
    for data in (
        {"text": "Revenu", "position": 10**20},
        {"text": "Revenu", "position": 2**31 + 5},
        {"text": "   ", "position": 1},
    ):
        response = facilitator_client.post(url, data, **HTMX)
        assert response.status_code == 422, data
    assert texts(row, "irritants") == before


def test_a_retex_sheet_key_no_database_can_hold_is_refused(facilitator_client, section):
    row = DiagnosticRow.objects.filter(section=section).first()
    url = board_url(section, "board:edit_row_retex", row.pk)
    response = facilitator_client.post(url, {"version": 1, "sheets": ["1" + "0" * 20]}, **HTMX)
    assert response.status_code == 422
    assert "Fiche RETEX invalide." in response.content.decode()
