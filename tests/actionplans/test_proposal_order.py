"""Deleting and reordering flagship proposals from the synthesis page: a confirmation page
for a deletion, Monter / Descendre, positions kept 1, 2, 3…, a page drawn before someone
else changed the list answers 409 (never 500), and every change is in the history."""

import threading
from html import unescape

import pytest
from django.db import IntegrityError, connection
from django.urls import reverse

from actionplans import views
from actionplans.models import FlagshipProposal
from tests import factories
from tests.factories import logged_in
from workshops.models import Synthesis

TITLES = ["Première", "Deuxième", "Troisième", "Quatrième"]


@pytest.fixture
def proposals(synthesis):
    return [factories.FlagshipProposalFactory(synthesis=synthesis, title=title) for title in TITLES]


def order(synthesis):
    return list(
        FlagshipProposal.objects.filter(synthesis=synthesis)
        .order_by("position")
        .values_list("position", "title")
    )


def numbered(titles):
    return list(enumerate(titles, start=1))


def delete_url(synthesis, position):
    return reverse("actionplans:proposal_delete", args=[synthesis.slug, position])


def move_url(synthesis, position, direction):
    name = "actionplans:proposal_up" if direction == "up" else "actionplans:proposal_down"
    return reverse(name, args=[synthesis.slug, position])


def page_text(response):
    return unescape(response.content.decode()).replace("\u00a0", " ")


def status_of(client, url, proposal):
    return client.post(url, {"proposal": proposal.pk}).status_code


# Deleting ----------------------------------------------------------------------------------------


def test_a_facilitator_deletes_a_proposal_after_confirming(synthesis, proposals, facilitator):
    client = logged_in(facilitator)
    second = proposals[1]
    confirmation = client.get(delete_url(synthesis, 2))
    assert confirmation.status_code == 200
    text = page_text(confirmation)
    assert "Supprimer la proposition phare « Deuxième » ?" in text
    assert f'name="proposal" value="{second.pk}"' in text
    assert order(synthesis) == numbered(TITLES)  # a GET deletes nothing

    response = client.post(delete_url(synthesis, 2), {"proposal": second.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("syntheses:detail", args=[synthesis.slug]) + (
        "#propositions"
    )
    assert order(synthesis) == numbered(["Première", "Troisième", "Quatrième"])
    page = page_text(client.get(reverse("syntheses:detail", args=[synthesis.slug])))
    assert "La proposition phare « Deuxième » est supprimée." in page


def test_deleting_a_proposal_moves_the_last_change_and_is_in_the_history(
    synthesis, proposals, facilitator
):
    before = Synthesis.objects.get(pk=synthesis.pk).updated_at
    client = logged_in(facilitator)
    client.post(delete_url(synthesis, 1), {"proposal": proposals[0].pk})
    assert Synthesis.objects.get(pk=synthesis.pk).updated_at > before
    history = FlagshipProposal.history.filter(history_synthesis_id=synthesis.pk)
    deleted = history.get(history_type="-")
    assert deleted.title == "Première" and deleted.history_user == facilitator
    shifted = history.filter(history_type="~", history_change_reason="Décalage")
    assert sorted(record.title for record in shifted) == ["Deuxième", "Quatrième", "Troisième"]
    page = page_text(client.get(reverse("history:page", args=[synthesis.slug])))
    assert "Première" in page


def test_a_stale_deletion_answers_409_and_deletes_nothing(synthesis, proposals, facilitator):
    client = logged_in(facilitator)
    # The page was drawn with « Deuxième » at position 2; someone deleted « Première » since.
    client.post(delete_url(synthesis, 1), {"proposal": proposals[0].pk})
    response = client.post(delete_url(synthesis, 2), {"proposal": proposals[1].pk})
    assert response.status_code == 409
    assert "La liste des propositions phares a changé entre-temps" in page_text(response)
    assert order(synthesis) == numbered(["Deuxième", "Troisième", "Quatrième"])
    # The same proposal, deleted twice: the second answers 409 too.
    response = client.post(delete_url(synthesis, 1), {"proposal": proposals[0].pk})
    assert response.status_code == 409


def test_deleting_a_missing_proposal_is_a_404_on_the_confirmation_page(
    synthesis, proposals, facilitator
):
    assert logged_in(facilitator).get(delete_url(synthesis, 9)).status_code == 404


# Reordering --------------------------------------------------------------------------------------


def test_monter_and_descendre_swap_neighbours_and_keep_positions_contiguous(
    synthesis, proposals, facilitator
):
    client = logged_in(facilitator)
    response = client.post(move_url(synthesis, 3, "up"), {"proposal": proposals[2].pk})
    assert response.status_code == 302
    assert response["Location"].endswith("#proposition-2")
    assert order(synthesis) == numbered(["Première", "Troisième", "Deuxième", "Quatrième"])
    client.post(move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk})
    assert order(synthesis) == numbered(["Troisième", "Première", "Deuxième", "Quatrième"])
    page = page_text(client.get(response["Location"]))
    assert "« Troisième » est désormais la proposition phare n° 2." in page


def test_moving_past_an_end_changes_nothing(synthesis, proposals, facilitator):
    client = logged_in(facilitator)
    before = Synthesis.objects.get(pk=synthesis.pk).updated_at
    response = client.post(move_url(synthesis, 1, "up"), {"proposal": proposals[0].pk})
    assert response.status_code == 302
    assert order(synthesis) == numbered(TITLES)
    assert Synthesis.objects.get(pk=synthesis.pk).updated_at == before
    page = page_text(client.get(response["Location"]))
    assert "« Première » est déjà la première proposition." in page


def test_a_move_is_recorded_in_the_history(synthesis, proposals, facilitator):
    logged_in(facilitator).post(move_url(synthesis, 2, "down"), {"proposal": proposals[1].pk})
    moved = FlagshipProposal.history.filter(
        history_synthesis_id=synthesis.pk, history_type="~"
    ).order_by("title")
    assert [(record.title, record.position) for record in moved] == [
        ("Deuxième", 3),
        ("Troisième", 2),
    ]
    assert all(record.history_change_reason is None for record in moved)
    assert all(record.history_user == facilitator for record in moved)


def test_a_move_from_a_stale_page_answers_409(synthesis, proposals, facilitator):
    client = logged_in(facilitator)
    client.post(move_url(synthesis, 2, "up"), {"proposal": proposals[1].pk})
    # A page drawn before: « Première » was at position 1, is at 2 now.
    response = client.post(move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk})
    assert response.status_code == 409
    assert "rien n’a été modifié" in page_text(response)
    assert order(synthesis) == numbered(["Deuxième", "Première", "Troisième", "Quatrième"])


def test_a_unique_constraint_race_answers_409_in_french_never_500(
    synthesis, proposals, facilitator, monkeypatch
):
    def collide(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: actionplans_flagshipproposal.position")

    monkeypatch.setattr(views, "_renumber", collide)
    client = logged_in(facilitator)
    for url, pk in (
        (move_url(synthesis, 2, "up"), proposals[1].pk),
        (delete_url(synthesis, 2), proposals[1].pk),
    ):
        response = client.post(url, {"proposal": pk})
        assert response.status_code == 409
        assert "La liste des propositions phares a changé entre-temps" in page_text(response)
    assert order(synthesis) == numbered(TITLES)  # the deletion was rolled back too


def test_the_edit_form_follows_its_proposal_when_it_moves(synthesis, proposals, facilitator):
    client = logged_in(facilitator)
    form = client.get(reverse("actionplans:proposal_edit", args=[synthesis.slug, 1]))
    assert f'name="proposal" value="{proposals[0].pk}"' in form.content.decode()
    client.post(move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk})
    data = {
        "proposal": proposals[0].pk,
        "version": proposals[0].version,
        "title": "Première, renommée",
        "effort": "",
        "time_needed": "",
    }
    response = client.post(reverse("actionplans:proposal_edit", args=[synthesis.slug, 1]), data)
    assert response.status_code == 302
    assert order(synthesis) == numbered(
        ["Deuxième", "Première, renommée", "Troisième", "Quatrième"]
    )


# Rights ------------------------------------------------------------------------------------------


def test_a_referent_may_not_delete_nor_move(synthesis, proposals, referent):
    client = logged_in(referent)
    assert client.get(delete_url(synthesis, 1)).status_code == 403
    assert status_of(client, delete_url(synthesis, 1), proposals[0]) == 403
    assert client.post(
        move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk}
    ).status_code == (403)
    assert order(synthesis) == numbered(TITLES)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, synthesis, proposals):
    for response in (
        client.get(delete_url(synthesis, 1)),
        client.post(delete_url(synthesis, 1), {"proposal": proposals[0].pk}),
        client.post(move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/connexion/")
    assert order(synthesis) == numbered(TITLES)


def test_moves_and_deletions_need_a_post_and_csrf(synthesis, proposals, facilitator):
    assert logged_in(facilitator).get(move_url(synthesis, 1, "down")).status_code == 405
    client = logged_in(facilitator, enforce_csrf_checks=True)
    assert client.post(
        move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk}
    ).status_code == (403)
    assert status_of(client, delete_url(synthesis, 1), proposals[0]) == 403
    assert order(synthesis) == numbered(TITLES)


def test_an_archived_synthesis_s_proposals_stay_as_they_are(synthesis, proposals, facilitator):
    synthesis.archive(facilitator)
    client = logged_in(facilitator)
    assert status_of(client, delete_url(synthesis, 1), proposals[0]) == 403
    assert client.post(
        move_url(synthesis, 1, "down"), {"proposal": proposals[0].pk}
    ).status_code == (403)
    assert order(synthesis) == numbered(TITLES)


# The synthesis page -------------------------------------------------------------------------


def test_the_synthesis_page_offers_move_and_delete_to_those_who_edit(
    synthesis, proposals, facilitator, referent
):
    url = reverse("syntheses:detail", args=[synthesis.slug])
    page = logged_in(facilitator).get(url).content.decode()
    assert page.count('action="' + move_url(synthesis, 1, "down")) == 1
    assert 'action="' + move_url(synthesis, 1, "up") not in page  # the first goes no higher
    assert 'action="' + move_url(synthesis, 4, "down") not in page  # the last no lower
    assert page.count("csrfmiddlewaretoken") >= 7  # every form of the list
    for position in range(1, 5):
        assert delete_url(synthesis, position) in page
    referent_page = logged_in(referent).get(url).content.decode()
    assert "proposal_up" not in referent_page and delete_url(synthesis, 1) not in referent_page
    assert "Monter" not in referent_page


# Concurrent requests (PostgreSQL: SQLite's test database is one in-memory connection) --------


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_and_deletions_never_fail_and_keep_positions_contiguous(
    synthesis, facilitator
):
    if connection.vendor == "sqlite":
        pytest.skip("plusieurs requêtes simultanées : PostgreSQL seulement")
    proposals = [
        factories.FlagshipProposalFactory(synthesis=synthesis, title=f"Proposition {n}")
        for n in range(6)
    ]
    statuses, barrier = [], threading.Barrier(6)

    def act(index):
        client = logged_in(facilitator)
        barrier.wait()
        proposal = proposals[index]
        if index % 3 == 0:
            url = delete_url(synthesis, index + 1)
        else:
            url = move_url(synthesis, index + 1, "up" if index % 2 else "down")
        try:
            statuses.append(client.post(url, {"proposal": proposal.pk}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) <= [302, 409], statuses
    positions = [position for position, _ in order(synthesis)]
    assert positions == list(range(1, len(positions) + 1))
