"""Working together live (issue 15): the board's change marker, the cheap « what changed since
version N » poll, and who else is on the board (etatsgeneraux/board/live.py)."""

import re

import pytest
from django.urls import reverse

from actionplans.models import ActionPlanRow
from etatsgeneraux.board import live
from etatsgeneraux.board.models import ChangeMarker
from tests import factories
from workshops.changes import changing
from workshops.models import DiagnosticRow, ProjectionRow, RetexSheet, Synthesis

# An empty cache of the test's own: the people present are kept in the cache.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

HTMX = {"HTTP_HX_REQUEST": "true"}
# An idle poll: the session, the user and whether it is a demo account (authentication, on
# every request), then the one query of the view: the rights and the marker together.
IDLE_POLL_QUERIES = 4
AUTHENTICATION_TABLES = ("django_session", "auth_user", "auth_group")


def view_queries(queries):
    """The queries of the view itself, without those of the authentication."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if not any(f'FROM "{table}"' in query["sql"] for table in AUTHENTICATION_TABLES)
    ]


@pytest.fixture
def section():
    return factories.board_section(rows=2, statements=3)


@pytest.fixture
def synthesis(section):
    """The synthesis of the role fixtures (tests/conftest.py): a regional draft, so that the
    referent (`referent_client`) reads it and edits nothing."""
    return section.synthesis


def url(section, name="board:changes", *args):
    return reverse(name, args=[section.synthesis.slug, section.thematic.number, *args])


def poll(client, section, version="", presence=""):
    return client.get(url(section), {"version": version, "presence": presence}, **HTMX)


def marker(section):
    return ChangeMarker.objects.filter(section=section).values_list("version", flat=True).first()


def first_row(section, model=DiagnosticRow):
    return model.objects.filter(section=section).order_by("position").first()


def add_irritant(client, section, text):
    row = first_row(section)
    return client.post(
        url(section, "board:add_statement", "diagnostic", row.pk, "irritants"),
        {"text": text},
        **HTMX,
    )


# The poll ------------------------------------------------------------------------------------


def test_the_page_tells_its_script_the_board_it_shows_and_how_to_follow_it(
    facilitator_client, section
):
    html = facilitator_client.get(url(section, "board:page")).content.decode()
    assert f'hx-get="{url(section)}"' in html
    assert 'hx-trigger="every 2s, board:poll"' in html
    assert f'data-version="{section.pk}.0"' in html
    assert "Personne d’autre sur ce tableau pour l’instant." in html


def test_an_idle_poll_is_an_empty_answer_for_one_query(
    facilitator_client, section, django_assert_max_num_queries
):
    first = poll(facilitator_client, section)
    assert first.status_code == 200  # the page knew nothing: the board
    version, presence = first["X-Board-Version"], first["X-Board-Presence"]
    assert version == f"{section.pk}.0" and presence == ""
    for _ in range(3):
        with django_assert_max_num_queries(IDLE_POLL_QUERIES) as queries:
            response = poll(facilitator_client, section, version, presence)
        assert response.status_code == 204
        assert response.content == b""
        assert response["Cache-Control"] == "no-store"
        assert response["X-Board-Version"] == version
    # The one query of the view: by the synthesis's unique slug, with the section's marker.
    [sql] = view_queries(queries)
    assert "board_changemarker" in sql and '"slug" =' in sql and "ORDER BY" not in sql


def test_a_change_moves_the_marker_and_the_next_poll_brings_it(
    facilitator_client, referent_client, section
):
    known = poll(referent_client, section)["X-Board-Version"]
    response = add_irritant(facilitator_client, section, "Une connexion qui manque")
    assert response.status_code == 200
    # The answer to the change carries the new marker: its page need not fetch it again.
    assert response["X-Board-Version"] == f"{section.pk}.1" != known
    assert marker(section) == 1

    update = poll(referent_client, section, known)
    assert update.status_code == 200
    assert update["X-Board-Version"] == f"{section.pk}.1"
    html = update.content.decode()
    assert "Une connexion qui manque" in html
    for fragment in ["board-presence", "retex-sheets", "stage-diagnostic", "stage-projections"]:
        assert f'id="{fragment}"' in html
    assert 'id="stage-plan-action"' in html
    # As a reader sees the board: nothing to change.
    assert "hx-post" not in html
    assert poll(referent_client, section, update["X-Board-Version"]).status_code == 204


def test_a_board_that_changed_costs_a_constant_number_of_queries(
    facilitator_client, section, django_assert_max_num_queries
):
    with django_assert_max_num_queries(26):  # the idle poll's, and the board's (test_board.py)
        response = poll(facilitator_client, section, "0.0")
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "stranger", "other_region", "archived"])
def test_only_the_readers_of_the_synthesis_follow_its_board(client, section, who):
    if who == "stranger":
        client.force_login(factories.UserFactory())
    elif who == "other_region":
        client.force_login(factories.facilitator_of(factories.SynthesisFactory()))
    elif who == "archived":
        Synthesis.objects.filter(pk=section.synthesis_id).update(archived_at="2021-01-01T00:00:00Z")
        client.force_login(factories.referent_of(section.synthesis))
    response = poll(client, section)
    assert response.status_code == (401 if who == "anonymous" else 404)
    assert "X-Board-Version" not in response
    assert cache_is_empty(section)


def cache_is_empty(section):
    from django.core.cache import cache

    return cache.get(live._key(section.pk)) is None


def test_a_board_the_synthesis_does_not_have_is_not_found(facilitator_client, section):
    missing = 5 if section.thematic.number != 5 else 4
    other = reverse("board:changes", args=[section.synthesis.slug, missing])
    assert facilitator_client.get(other, **HTMX).status_code == 404


def test_a_published_synthesis_is_followed_by_those_who_work_on_it_only(
    client, section, referent, facilitator
):
    """Its other readers read it as last published, not its working copy (the board)."""
    Synthesis.objects.filter(pk=section.synthesis_id).update(status=Synthesis.Status.PUBLISHED)
    client.force_login(referent)
    assert poll(client, section).status_code == 403
    client.force_login(facilitator)
    assert poll(client, section).status_code == 200


# Each change made on the board moves the marker, once ------------------------------------------


def _changes(section):
    """(name, function giving the URL and data of a change), in an order where each applies."""
    row = first_row(section)
    # Not the first irritant: a main irritant of the projections is linked to it.
    irritant = row.irritants.order_by("position")[1]
    plan = first_row(section, ActionPlanRow)

    def statement(action=""):
        return url(section, "board:statement", "irritants", irritant.pk) + action

    def fresh(obj):
        return type(obj).objects.get(pk=obj.pk)

    def sheet():
        return RetexSheet.objects.filter(section=section).order_by("number").first()

    return [
        (
            "add",
            lambda: (
                url(section, "board:add_statement", "diagnostic", row.pk, "irritants"),
                {"text": "Ajouté"},
            ),
        ),
        (
            "edit",
            lambda: (
                statement("modifier/"),
                {"text": "Modifié", "version": fresh(irritant).version, "row": row.pk},
            ),
        ),
        (
            "emphasis",
            lambda: (
                statement("mise-en-avant/"),
                {"version": fresh(irritant).version, "emphasised": "true"},
            ),
        ),
        ("move", lambda: (statement("descendre/"), {})),
        ("delete", lambda: (statement("supprimer/"), {})),
        (
            "undo",
            lambda: (
                url(section, "board:restore_statement", "diagnostic", row.pk, "irritants"),
                {"text": "Modifié", "position": 3, "emphasised": "true"},
            ),
        ),
        ("add row", lambda: (url(section, "board:add_row", "projections"), {})),
        ("move row", lambda: (url(section, "board:move_row_down", "diagnostic", row.pk), {})),
        (
            "row retex",
            lambda: (
                url(section, "board:edit_row_retex", row.pk),
                {"version": fresh(row).version, "retex_label": "Témoin"},
            ),
        ),
        (
            "horizon",
            lambda: (
                url(section, "board:horizon", plan.pk),
                {"version": fresh(plan).version, "horizon": "long"},
            ),
        ),
        (
            "sheet",
            lambda: (
                url(section, "board:edit_sheet", sheet().pk),
                {"number": 7, "version": sheet().version},
            ),
        ),
        ("new sheet", lambda: (url(section, "board:add_sheet"), {"number": 8})),
        ("delete sheet", lambda: (url(section, "board:delete_sheet", sheet().pk), {})),
        (
            "delete row",
            lambda: (
                url(
                    section,
                    "board:delete_row",
                    "projections",
                    ProjectionRow.objects.filter(section=section).order_by("position").last().pk,
                ),
                {},
            ),
        ),
    ]


def test_every_change_made_on_the_board_moves_the_marker_by_one(facilitator_client, section):
    for version, (name, change) in enumerate(_changes(section), start=1):
        address, data = change()
        response = facilitator_client.post(address, data, **HTMX)
        assert response.status_code == 200, (name, response.content.decode()[:300])
        assert marker(section) == version, name
        assert response["X-Board-Version"] == f"{section.pk}.{version}", name


def test_a_move_past_the_end_or_a_refused_change_leaves_the_marker_alone(
    facilitator_client, section
):
    row = first_row(section)
    first = row.irritants.order_by("position").first()
    response = facilitator_client.post(url(section, "board:move_up", "irritants", first.pk), **HTMX)
    assert response.status_code == 200 and "X-Board-Version" not in response
    refused = add_irritant(facilitator_client, section, "   ")
    assert refused.status_code == 422 and "X-Board-Version" not in refused
    assert marker(section) is None


def test_a_sheet_moves_the_marker_of_every_board_of_the_synthesis(facilitator_client, section):
    other = factories.board_section(rows=1, statements=1, synthesis=section.synthesis, thematic=3)
    facilitator_client.post(url(section, "board:add_sheet"), {"number": 9}, **HTMX)
    assert marker(section) == 1 and marker(other) == 1
    add_irritant(facilitator_client, section, "Seulement ici")
    assert marker(section) == 2 and marker(other) == 1


def test_a_change_made_elsewhere_moves_the_marker_of_every_board_of_the_synthesis(section):
    """An import, a restoration from the history or the administration change a synthesis
    through `workshops.changes.changing`, without knowing which boards show it."""
    other = factories.board_section(rows=1, statements=1, synthesis=section.synthesis, thematic=3)
    irritant = first_row(section).irritants.order_by("position").first()
    with changing(section.synthesis):
        irritant.text = "Changé depuis l’administration"
        irritant.save()
    assert marker(section) == 1 and marker(other) == 1


def test_a_change_that_changed_nothing_moves_no_marker(section):
    with changing(section.synthesis) as change:
        change.nothing_changed()
    assert marker(section) is None


# Who else is on the board ------------------------------------------------------------------


def names(response):
    html = response.content.decode()
    return re.findall(r'<span class="board-presence__name">([^<]*)</span>', html)


def test_the_people_on_the_board_see_each_other(
    facilitator,
    referent,
    facilitator_client,
    referent_client,
    section,
    monkeypatch,
    django_assert_max_num_queries,
):
    facilitator.first_name, facilitator.last_name = "Camille", "Martin"
    facilitator.save()
    clock = [1000.0]
    monkeypatch.setattr(live.time, "time", lambda: clock[0])

    mine = poll(facilitator_client, section)
    version = mine["X-Board-Version"]
    assert mine["X-Board-Presence"] == "" and names(mine) == []
    theirs = poll(referent_client, section)
    assert names(theirs) == ["Camille Martin"]
    assert theirs["X-Board-Presence"] == str(facilitator.pk)

    # The facilitator's page learns that the referent came: the list alone, no query more.
    clock[0] += 2
    with django_assert_max_num_queries(IDLE_POLL_QUERIES):
        update = poll(facilitator_client, section, version, "")
    assert update.status_code == 200
    assert names(update) == [referent.username]
    assert 'id="stage-diagnostic"' not in update.content.decode()
    assert poll(facilitator_client, section, version, str(referent.pk)).status_code == 204

    # The referent closes the page: gone from the list after PRESENCE_TTL.
    for _ in range(live.PRESENCE_TTL // 2):
        clock[0] += 2
        left = poll(facilitator_client, section, version, str(referent.pk))
    assert left.status_code == 200 and names(left) == []
    assert left["X-Board-Presence"] == ""


def test_the_presence_entry_is_written_only_now_and_then(section, facilitator, monkeypatch):
    writes = []
    real = live.cache

    class Counted:
        def get(self, *args, **kwargs):
            return real.get(*args, **kwargs)

        def set(self, *args, **kwargs):
            writes.append(args)
            return real.set(*args, **kwargs)

    monkeypatch.setattr(live, "cache", Counted())
    for second in range(0, 20, 2):
        live.present(section.pk, facilitator, now=1000.0 + second)
    assert len(writes) == 20 // live.PRESENCE_REFRESH
