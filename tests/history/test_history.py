"""The history of a synthesis: every change recorded with who and when, the history page,
restoring what was deleted, and the administration's history."""

import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Action, ActionPlanRow, Axis
from etatsgeneraux.exchange import documents
from etatsgeneraux.exchange.fixtures import CONTENT_MODELS
from etatsgeneraux.history.views import PAGE_SIZE
from tests import factories
from tests.factories import SEEDS
from workshops.historical import IMPORT, RESTORE, HistoricalContent
from workshops.models import (
    DiagnosticRow,
    Irritant,
    MainIrritant,
    ProjectionRow,
    RetexLink,
    RetexReference,
    RetexSheet,
    Strength,
    Synthesis,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Queries of a history page, whatever the synthesis's size: session, user, demo-account check,
# synthesis, the right to edit it, the thematics, the count, the page's keys, its records,
# their authors.
HISTORY_QUERIES = 10


@pytest.fixture
def section():
    """A section whose statements nothing links to, so that rows can be deleted."""
    return factories.board_section(rows=2, statements=3, linked=False)


@pytest.fixture
def synthesis(section):
    return section.synthesis


@pytest.fixture
def facilitator(facilitator):
    """The facilitator of tests/conftest.py, with a name: the history shows who changed what."""
    facilitator.first_name, facilitator.last_name = "Anne", "Le Goff"
    facilitator.save()
    return facilitator


def text(response):
    return html.unescape(response.content.decode())


def board(section, name, *args):
    return reverse(
        ("board:page" if name == "board" else name.replace("board_", "board:", 1)),
        args=[section.synthesis.slug, section.thematic.number, *args],
    )


def history_url(synthesis):
    return reverse("history:page", args=[synthesis.slug])


def restore_url(synthesis):
    return reverse("history:restore", args=[synthesis.slug])


def first_row(section, model=DiagnosticRow):
    return model.objects.filter(section=section).order_by("position").first()


def irritants(row):
    return list(row.irritants.order_by("position").values_list("text", "position"))


def gone(obj):
    """Deletes an object, keeping its id on the instance (Django clears it)."""
    pk = obj.pk
    obj.delete()
    obj.pk = pk
    return obj


def deletion(model, pk):
    return model.history.get(id=pk, history_type="-")


def restore(client, synthesis, kind, record, **extra):
    return client.post(
        restore_url(synthesis), {"type": kind, "enregistrement": record.history_id, **extra}
    )


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


# Recording --------------------------------------------------------------------------------


def test_the_synthesis_and_every_content_model_keep_their_history():
    for model in [Synthesis, *(model for model, _path in CONTENT_MODELS)]:
        assert issubclass(vars(model)["history"].model, HistoricalContent), model


def test_editing_a_statement_on_the_board_records_who_when_and_the_text_before_and_after(
    facilitator_client, section, facilitator
):
    irritant = first_row(section).irritants.order_by("position").first()
    response = facilitator_client.post(
        board(section, "board_edit_statement", "irritants", irritant.pk),
        {"text": "Débit insuffisant dans les collèges", "version": irritant.version},
        **HTMX,
    )
    assert response.status_code == 200

    record = Irritant.history.filter(id=irritant.pk).latest()
    assert record.history_type == "~" and record.history_user == facilitator
    assert timezone.now() - record.history_date < timedelta(minutes=1)
    assert record.text == "Débit insuffisant dans les collèges" and record.version == 2
    assert record.history_synthesis_id == section.synthesis_id
    assert record.history_thematic_id == section.thematic_id
    page = text(facilitator_client.get(history_url(section.synthesis)))
    entry = page[page.index(f'id="changement-irritants-{record.history_id}"') :]
    entry = entry[: entry.index("</tr>")]
    assert "Irritant modifié" in entry and "Anne Le Goff" in entry
    assert f"Thématique N°{section.thematic.number}" in entry
    assert (
        f'Texte\u00a0: <del><span class="fr-sr-only">avant\u00a0: </span>{irritant.text}</del>'
        in entry
    )
    assert "Débit insuffisant dans les collèges</ins>" in entry


def test_a_stale_edit_is_refused_and_records_nothing(facilitator_client, section):
    irritant = first_row(section).irritants.order_by("position").first()
    recorded = Irritant.history.count()
    response = facilitator_client.post(
        board(section, "board_edit_statement", "irritants", irritant.pk),
        {"text": "Écrase l'autre", "version": irritant.version + 5},
        **HTMX,
    )
    assert response.status_code == 409
    assert Irritant.history.count() == recorded


def test_moving_a_statement_records_the_new_positions_of_both(
    facilitator_client, section, facilitator
):
    first, second, _third = first_row(section).irritants.order_by("position")
    response = facilitator_client.post(
        board(section, "board_move_down", "irritants", first.pk), **HTMX
    )
    assert response.status_code == 200

    moved = Irritant.history.filter(id=first.pk).latest()
    pushed = Irritant.history.filter(id=second.pk).latest()
    assert (moved.history_type, moved.position, moved.history_user) == ("~", 2, facilitator)
    assert (pushed.history_type, pushed.position) == ("~", 1)
    page = text(facilitator_client.get(history_url(section.synthesis), {"type": "modifications"}))
    assert page.count("Irritant déplacé") == 2
    assert 'Position\u00a0: <del><span class="fr-sr-only">avant\u00a0: </span>1</del>' in page


def test_deleting_a_whole_synthesis_records_every_object_in_a_few_queries(demo_data):
    Synthesis.objects.get(slug="vendee-2020").delete()
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    pk = regional.pk
    irritant_count = Irritant.objects.filter(row__section__synthesis=regional).count()
    with CaptureQueriesContext(connection) as queries:
        regional.delete()
    # One INSERT per table and one lookup per kind of parent, not one query per object.
    assert len(queries) < 100
    deleted = Irritant.history.filter(history_synthesis_id=pk, history_type="-")
    assert deleted.count() == irritant_count > 50
    assert Synthesis.history.filter(id=pk, history_type="-").exists()
    assert not deleted.filter(history_thematic_id=None).exists()


def test_an_import_records_every_object_it_creates(reference_data, client):
    call_command(
        "import_synthesis",
        str(next(SEEDS.glob("000_*.txt"))),
        slug="importee",
        region="pays-de-la-loire",
        stdout=io.StringIO(),
    )
    synthesis = Synthesis.objects.get(slug="importee")
    created = Irritant.history.filter(history_synthesis_id=synthesis.pk, history_type="+")
    assert created.count() == Irritant.objects.filter(row__section__synthesis=synthesis).count()
    assert set(created.values_list("history_change_reason", flat=True)) == {IMPORT}
    assert Action.history.filter(history_synthesis_id=synthesis.pk).count() == (
        Action.objects.filter(row__section__synthesis=synthesis).count()
    )
    client.force_login(factories.UserFactory(is_staff=True))
    page = text(client.get(history_url(synthesis)))
    assert "ajouté par un import" in page and "inconnu" in page


def test_an_edit_in_the_administration_shows_in_its_history_with_who_and_when(admin_client):
    irritant = factories.IrritantFactory(text="Avant correction")
    url = reverse("admin:workshops_irritant_change", args=[irritant.pk])
    response = admin_client.post(
        url,
        {"row": irritant.row_id, "position": irritant.position, "text": "Après correction"},
    )
    assert response.status_code == 302
    record = Irritant.history.filter(id=irritant.pk).latest()
    assert record.history_type == "~" and record.history_user.username == "admin"
    history = admin_client.get(reverse("admin:workshops_irritant_history", args=[irritant.pk]))
    assert history.status_code == 200
    page = text(history)
    assert "Après correction" in page and "admin" in page
    # The platform restores with its own rules: the administration shows a version but
    # does not revert to it.
    version = reverse(
        "admin:workshops_irritant_simple_history", args=[irritant.pk, record.history_id]
    )
    assert admin_client.get(version).status_code == 200
    reverted = admin_client.post(version, {"row": irritant.row_id, "position": 1, "text": "x"})
    assert reverted.status_code == 403
    assert Irritant.objects.get(pk=irritant.pk).text == "Après correction"


def test_the_synthesis_admin_shows_its_history_too(admin_client, synthesis):
    url = reverse("admin:workshops_synthesis_history", args=[synthesis.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert synthesis.title in text(response)


# The history page --------------------------------------------------------------------------


def test_the_synthesis_page_links_to_its_history_for_those_who_may_edit_it(
    facilitator_client, referent_client, synthesis
):
    url = reverse("syntheses:detail", args=[synthesis.slug])
    assert history_url(synthesis) in text(facilitator_client.get(url))
    assert history_url(synthesis) not in text(referent_client.get(url))


def test_the_history_lists_changes_newest_first_and_filters_them(facilitator_client, section):
    row = first_row(section)
    doomed = row.strengths.order_by("position").first()
    facilitator_client.post(
        board(section, "board_delete_statement", "points-forts", doomed.pk), **HTMX
    )

    page = text(facilitator_client.get(history_url(section.synthesis)))
    assert page.index("Point fort supprimé") < page.index("Point fort ajouté")
    deletions = text(
        facilitator_client.get(history_url(section.synthesis), {"type": "suppressions"})
    )
    assert "Point fort supprimé" in deletions and "ajouté" not in deletions
    other = section.thematic.number % 5 + 1
    elsewhere = text(facilitator_client.get(history_url(section.synthesis), {"thematique": other}))
    assert "Aucun changement ne correspond à ces filtres." in elsewhere
    nonsense = facilitator_client.get(
        history_url(section.synthesis), {"type": "x", "thematique": "²"}
    )
    assert nonsense.status_code == 200 and "Point fort supprimé" in text(nonsense)


def edit_first_fixture_irritant(client):
    """A facilitator of the region edits the first irritant of the loaded fixture."""
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    client.force_login(factories.facilitator_of(synthesis))
    irritant = Irritant.objects.filter(row__section__synthesis=synthesis).order_by("pk").first()
    section = irritant.row.section
    response = client.post(
        board(section, "board_edit_statement", "irritants", irritant.pk),
        {"text": "Texte corrigé", "version": irritant.version},
        **HTMX,
    )
    assert response.status_code == 200
    return irritant, text(client.get(history_url(synthesis)))


def test_a_change_to_content_loaded_without_history_says_its_earlier_state_is_unknown(
    demo_data, client
):
    _irritant, page = edit_first_fixture_irritant(client)
    assert "Irritant modifié" in page
    assert "Première version enregistrée\u00a0: l’état précédent n’est pas connu." in page


def test_populate_history_gives_loaded_content_a_first_version_to_compare_with(demo_data, client):
    call_command("populate_history", auto=True, stdout=io.StringIO())
    irritant, page = edit_first_fixture_irritant(client)
    assert "Première version enregistrée" not in page
    assert f"{irritant.text}</del>" in page and "Texte corrigé</ins>" in page
    # The first versions themselves are not changes of the synthesis: they are not listed.
    assert page.count('<tr id="changement-') == 1


def test_the_history_is_paginated(facilitator_client, section):
    response = facilitator_client.get(history_url(section.synthesis))
    count = int(re.search(r"(\d+) changements", text(response)).group(1))
    assert count > PAGE_SIZE
    assert text(response).count('<tr id="changement-') == PAGE_SIZE
    last = (count - 1) // PAGE_SIZE + 1
    response = facilitator_client.get(history_url(section.synthesis), {"page": last})
    assert text(response).count('<tr id="changement-') == count - (last - 1) * PAGE_SIZE
    assert (
        facilitator_client.get(history_url(section.synthesis), {"page": "zzz"}).status_code == 200
    )


def test_a_history_page_costs_the_same_queries_for_the_fixture_and_a_larger_synthesis(
    demo_data, client, django_assert_max_num_queries
):
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    # The fixture is loaded raw (no history): a copy made by the platform has its history.
    copy = documents.create_synthesis(
        {**documents.synthesis_document(regional), "slug": "copie", "parent": None}
    )
    larger = factories.board_section(rows=30, statements=5).synthesis
    client.force_login(factories.UserFactory(is_staff=True))
    counts = []
    for synthesis in (copy, larger):
        with django_assert_max_num_queries(HISTORY_QUERIES) as queries:
            response = client.get(history_url(synthesis), {"page": 2})
        assert response.status_code == 200
        assert text(response).count('<tr id="changement-') == PAGE_SIZE
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Who may see it and restore ----------------------------------------------------------------


@pytest.fixture
def deleted_irritant(section, facilitator):
    return gone(first_row(section).irritants.order_by("position")[1])


@pytest.mark.parametrize(
    "role, status",
    [("référent du département", 403), ("animateur d'une autre région", 404)],
)
def test_readers_and_strangers_neither_see_the_history_nor_restore(
    client, synthesis, deleted_irritant, role, status
):
    if status == 403:
        department = factories.DepartmentFactory(region=synthesis.region)
        user = factories.ReferentMembershipFactory(department=department).user
    else:
        user = factories.FacilitatorMembershipFactory().user
    client.force_login(user)
    assert client.get(history_url(synthesis)).status_code == status
    response = restore(client, synthesis, "irritants", deletion(Irritant, deleted_irritant.pk))
    assert response.status_code == status
    assert not Irritant.objects.filter(pk=deleted_irritant.pk).exists()


def test_an_anonymous_visitor_is_sent_to_log_in_and_restores_nothing(
    client, synthesis, deleted_irritant
):
    assert client.get(history_url(synthesis)).status_code == 302
    response = restore(client, synthesis, "irritants", deletion(Irritant, deleted_irritant.pk))
    assert response.status_code == 302 and "/comptes/connexion/" in response["Location"]
    assert not Irritant.objects.filter(pk=deleted_irritant.pk).exists()


def test_a_restore_needs_the_csrf_token(synthesis, facilitator, deleted_irritant):
    client = factories.logged_in(facilitator, enforce_csrf_checks=True)
    response = restore(client, synthesis, "irritants", deletion(Irritant, deleted_irritant.pk))
    assert response.status_code == 403
    assert not Irritant.objects.filter(pk=deleted_irritant.pk).exists()


# Restoring ---------------------------------------------------------------------------------


@pytest.fixture
def linked_section(synthesis):
    """Another section of the synthesis, whose first main irritant and axis are linked."""
    return factories.board_section(rows=1, statements=3, synthesis=synthesis, thematic=3)


def test_a_statement_deleted_on_the_board_is_restored_at_its_place_with_emphasis_and_link(
    facilitator_client, facilitator, linked_section
):
    section = linked_section
    synthesis = section.synthesis
    row = first_row(section, ProjectionRow)
    main = row.main_irritants.order_by("position").first()  # linked to an irritant, no text
    assert main.source_id and main.text == ""
    facilitator_client.post(
        board(section, "board_emphasis", "irritants-principaux", main.pk),
        {"version": main.version, "emphasised": "true"},
        **HTMX,
    )
    response = facilitator_client.post(
        board(section, "board_delete_statement", "irritants-principaux", main.pk), **HTMX
    )
    assert response.status_code == 200
    # Meanwhile someone puts a statement in its place.
    MainIrritant.objects.create(row=row, position=1, text="Arrivé entre-temps")
    before = list(row.main_irritants.order_by("position").values_list("pk", "position"))

    preview_url = reverse("reports:synthesis_preview", args=[synthesis.slug])
    shown = text(facilitator_client.get(preview_url)).count(main.source.text)
    page = text(facilitator_client.get(history_url(synthesis)))
    record = deletion(MainIrritant, main.pk)
    assert f'name="enregistrement" value="{record.history_id}"' in page
    old_touch = Synthesis.objects.get(pk=synthesis.pk).updated_at
    response = restore(facilitator_client, synthesis, "irritants-principaux", record)
    assert response.status_code == 302
    assert any("Irritant principal restauré à sa place" in m for m in messages_of(response))

    restored = MainIrritant.objects.get(pk=main.pk)
    assert (restored.position, restored.emphasised, restored.source_id) == (1, True, main.source_id)
    after = dict(row.main_irritants.values_list("pk", "position"))
    assert [after[pk] for pk, _position in before] == [position + 1 for _pk, position in before]
    assert Synthesis.objects.get(pk=synthesis.pk).updated_at > old_touch
    trace = MainIrritant.history.filter(id=main.pk).latest()
    assert (trace.history_type, trace.history_change_reason, trace.history_user) == (
        "+",
        RESTORE,
        facilitator,
    )
    # It is on the board and in the report (the PDF's HTML) again: the text of the irritant
    # it links shows once more, in the projections.
    assert f"irritants-principaux-{main.pk}" in text(
        facilitator_client.get(board(section, "board"))
    )
    assert text(facilitator_client.get(preview_url)).count(main.source.text) == shown + 1
    # The history says so, and offers no second restore.
    page = text(facilitator_client.get(history_url(synthesis)))
    assert "Irritant principal restauré" in page
    assert page.count("Irritant principal décalé") == 3  # the ones that made room
    assert f'name="enregistrement" value="{record.history_id}"' not in page


def test_restoring_twice_is_refused_and_changes_nothing(
    facilitator_client, synthesis, deleted_irritant
):
    record = deletion(Irritant, deleted_irritant.pk)
    assert restore(facilitator_client, synthesis, "irritants", record).status_code == 302
    facilitator_client.get(history_url(synthesis))  # shows (and consumes) the success message
    recorded = Irritant.history.count()
    statements = irritants(deleted_irritant.row)

    response = restore(facilitator_client, synthesis, "irritants", record)
    assert response.status_code == 302
    assert messages_of(response) == [
        "Restauration impossible\u00a0: cet irritant a déjà été restauré\u00a0: "
        "rien n’a été modifié."
    ]
    assert Irritant.history.count() == recorded and irritants(deleted_irritant.row) == statements


def test_undoing_a_deletion_on_the_board_brings_back_the_same_statement(
    facilitator_client, section
):
    row = first_row(section)
    middle = row.irritants.order_by("position")[1]
    facilitator_client.post(
        board(section, "board_delete_statement", "irritants", middle.pk), **HTMX
    )
    response = facilitator_client.post(
        board(section, "board_restore_statement", "diagnostic", row.pk, "irritants"),
        {"text": middle.text, "position": middle.position},
        **HTMX,
    )
    assert response.status_code == 200
    assert Irritant.objects.get(pk=middle.pk).text == middle.text
    assert Irritant.history.filter(id=middle.pk).latest().history_change_reason == RESTORE
    # So the history offers no restore of it any more.
    page = text(facilitator_client.get(history_url(section.synthesis)))
    record = deletion(Irritant, middle.pk)
    assert f'value="{record.history_id}"' not in page


def test_restoring_a_row_brings_back_its_statements_and_retex_citations(
    facilitator_client, section
):
    rows = list(DiagnosticRow.objects.filter(section=section).order_by("position"))
    row = rows[0]
    early = row.strengths.order_by("position").first()  # deleted before the row: stays deleted
    facilitator_client.post(
        board(section, "board_delete_statement", "points-forts", early.pk), **HTMX
    )
    statements = irritants(row)
    strengths = list(row.strengths.values_list("text", "position"))
    citations = list(row.retex_references.values_list("sheet_id", flat=True))
    assert citations
    response = facilitator_client.post(
        board(section, "board_delete_row", "diagnostic", row.pk), **HTMX
    )
    assert response.status_code == 200 and not DiagnosticRow.objects.filter(pk=row.pk).exists()

    response = restore(
        facilitator_client, section.synthesis, "lignes-diagnostic", deletion(DiagnosticRow, row.pk)
    )
    assert response.status_code == 302
    assert any("avec ses 5\u00a0énoncés" in m for m in messages_of(response))
    row = DiagnosticRow.objects.get(pk=row.pk)
    assert row.position == 1 and irritants(row) == statements
    assert list(row.strengths.values_list("text", "position")) == strengths
    assert not Strength.objects.filter(pk=early.pk).exists()
    assert list(row.retex_references.values_list("sheet_id", flat=True)) == citations
    assert [r.pk for r in DiagnosticRow.objects.filter(section=section).order_by("position")] == [
        r.pk for r in rows
    ]


def test_a_statement_of_a_deleted_row_asks_for_the_row_first_and_changes_nothing(
    facilitator_client, section
):
    row = first_row(section)
    irritant = row.irritants.order_by("position").first()
    facilitator_client.post(
        board(section, "board_delete_statement", "irritants", irritant.pk), **HTMX
    )
    facilitator_client.post(board(section, "board_delete_row", "diagnostic", row.pk), **HTMX)
    recorded = Irritant.history.count()

    response = restore(
        facilitator_client, section.synthesis, "irritants", deletion(Irritant, irritant.pk)
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Restauration impossible\u00a0: la ligne de cet irritant a été supprimée\u00a0: restaurez "
        "d’abord la ligne (ses énoncés reviennent avec elle)."
    ]
    assert Irritant.history.count() == recorded
    assert not Irritant.objects.filter(pk=irritant.pk).exists()


def test_a_linked_statement_whose_source_is_gone_keeps_its_own_text_or_is_refused(
    facilitator_client, linked_section
):
    section = linked_section
    projection = first_row(section, ProjectionRow)
    linked = projection.main_irritants.order_by("position").first()  # no text of its own
    gone(linked)
    gone(linked.source)
    response = restore(
        facilitator_client,
        section.synthesis,
        "irritants-principaux",
        deletion(MainIrritant, linked.pk),
    )
    assert messages_of(response) == [
        "Restauration impossible\u00a0: l’irritant principal était relié à un irritant du "
        "diagnostic supprimé depuis, et n’a pas de texte à lui\u00a0: restaurez d’abord cet "
        "irritant du diagnostic."
    ]
    assert not MainIrritant.objects.filter(pk=linked.pk).exists()

    lever = factories.LeverFactory(row=projection, position=9)
    axis = factories.AxisFactory(
        row=first_row(section, ActionPlanRow), position=9, text="Axe écrit à la main", source=lever
    )
    gone(axis)
    gone(lever)
    restore(facilitator_client, section.synthesis, "axes", deletion(Axis, axis.pk))
    restored = Axis.objects.get(pk=axis.pk)
    assert restored.source_id is None and restored.text == "Axe écrit à la main"


def test_a_deleted_retex_sheet_comes_back_with_its_links_and_citations(facilitator_client, section):
    sheet = RetexSheet.objects.filter(section=section).order_by("number").first()
    links = list(sheet.links.values_list("url", "position"))
    citing = list(RetexReference.objects.filter(sheet=sheet).values_list("row_id", flat=True))
    assert links and citing
    response = facilitator_client.post(board(section, "board_delete_sheet", sheet.pk), **HTMX)
    assert response.status_code == 200

    response = restore(
        facilitator_client, section.synthesis, "fiches-retex", deletion(RetexSheet, sheet.pk)
    )
    assert messages_of(response) == [
        f"Fiche RETEX {sheet.number} restaurée, avec 1\u00a0lien et 1\u00a0citation dans le "
        "diagnostic."
    ]
    assert list(RetexLink.objects.filter(sheet_id=sheet.pk).values_list("url", "position")) == links
    assert (
        list(RetexReference.objects.filter(sheet_id=sheet.pk).values_list("row_id", flat=True))
        == citing
    )


def test_a_retex_sheet_whose_number_was_taken_meanwhile_is_refused(facilitator_client, section):
    sheet = RetexSheet.objects.filter(section=section).order_by("number").first()
    facilitator_client.post(board(section, "board_delete_sheet", sheet.pk), **HTMX)
    RetexSheet.objects.create(synthesis=section.synthesis, section=section, number=sheet.number)

    response = restore(
        facilitator_client, section.synthesis, "fiches-retex", deletion(RetexSheet, sheet.pk)
    )
    assert messages_of(response) == [
        f"Restauration impossible\u00a0: une fiche RETEX porte déjà le numéro {sheet.number} dans "
        "cette thématique\u00a0: changez son numéro dans le tableau de l’atelier, puis restaurez "
        "celle-ci."
    ]
    assert not RetexSheet.objects.filter(pk=sheet.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"type": "irritants", "enregistrement": "abc"},
        {"type": "irritants", "enregistrement": "1" + "0" * 30},
        {"type": "inconnu", "enregistrement": "1"},
        {"type": "sessions", "enregistrement": "1"},
        {"type": "irritants", "enregistrement": "999999"},
    ],
)
def test_a_malformed_or_foreign_restore_gets_a_french_message_not_an_error(
    facilitator_client, synthesis, data
):
    response = facilitator_client.post(restore_url(synthesis), data)
    assert response.status_code == 302 and response["Location"].startswith(history_url(synthesis))
    [message] = messages_of(response)
    assert message.startswith("Restauration impossible\u00a0: ")


def test_a_deletion_of_another_synthesis_cannot_be_restored_from_this_one(
    facilitator_client, synthesis
):
    other = factories.board_section(rows=1, statements=2, linked=False)
    irritant = gone(first_row(other).irritants.first())
    response = restore(facilitator_client, synthesis, "irritants", deletion(Irritant, irritant.pk))
    assert messages_of(response) == [
        "Restauration impossible\u00a0: cette suppression n’est pas dans l’historique de la "
        "synthèse."
    ]
    assert not Irritant.objects.filter(pk=irritant.pk).exists()


def test_a_row_deleted_with_the_admins_bulk_action_comes_back_whole(
    admin_client, section, synthesis
):
    row = first_row(section)
    statements = irritants(row)
    citations = RetexReference.objects.filter(row=row).count()
    assert statements and citations

    admin_client.post(
        reverse("admin:workshops_diagnosticrow_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert not DiagnosticRow.objects.filter(pk=row.pk).exists()
    restore(admin_client, synthesis, "lignes-diagnostic", deletion(DiagnosticRow, row.pk))

    assert irritants(row) == statements
    assert RetexReference.objects.filter(row_id=row.pk).count() == citations


def test_a_sheet_deleted_with_the_admins_bulk_action_comes_back_with_its_links(
    admin_client, section, synthesis
):
    sheet = RetexSheet.objects.filter(section=section).order_by("number").first()
    links = list(sheet.links.values_list("url", "position"))
    assert links

    admin_client.post(
        reverse("admin:workshops_retexsheet_changelist"),
        {"action": "delete_selected", "_selected_action": [sheet.pk], "post": "yes"},
    )
    restore(admin_client, synthesis, "fiches-retex", deletion(RetexSheet, sheet.pk))

    assert list(RetexLink.objects.filter(sheet_id=sheet.pk).values_list("url", "position")) == links


def test_undoing_a_deletion_already_restored_from_the_history_adds_no_copy(
    facilitator_client, section, synthesis
):
    row = first_row(section)
    middle = row.irritants.order_by("position")[1]
    facilitator_client.post(
        board(section, "board_delete_statement", "irritants", middle.pk), **HTMX
    )
    restore(facilitator_client, synthesis, "irritants", deletion(Irritant, middle.pk))
    before = irritants(row)

    response = facilitator_client.post(
        board(section, "board_restore_statement", "diagnostic", row.pk, "irritants"),
        {"text": middle.text, "position": middle.position},
        **HTMX,
    )

    assert response.status_code == 409
    announced = json.loads(response["HX-Trigger-After-Settle"])["board:settled"]["announce"]
    assert "déjà été restauré" in announced
    assert irritants(row) == before
