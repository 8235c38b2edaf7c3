"""« Voir l’atelier » is offered only to those who may open the board (issue 15, defect 7).

The board is the facilitators' live working copy and asks for a login; a visitor reads a
published synthesis on its page, in its preview and its PDF, and is not sent to a login page
that would tell them their session expired.
"""

import re
from html import unescape

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from tests import factories
from tests.factories import logged_in
from workshops.models import Synthesis
from workshops.permissions import may_open_board

REGIONAL = "pays-de-la-loire-2020"
BOARD = f"/syntheses/{REGIONAL}/thematiques/"


def detail(client):
    response = client.get(reverse("syntheses:detail", args=[REGIONAL]))
    assert response.status_code == 200
    return unescape(response.content.decode())


def board_links(html):
    return re.findall(rf'href="({BOARD}\d/)"', html)


def test_a_visitor_is_offered_the_documents_not_the_board(regional, client):
    assert regional.status == Synthesis.Status.PUBLISHED
    html = detail(client)
    assert "Voir l’atelier" not in html and "Saisir en atelier" not in html
    assert board_links(html) == []
    # What a visitor may read of each thematic is still there.
    assert f'href="{BOARD}3/pdf/"' in html and f'href="{BOARD}3/apercu/"' in html
    # The board itself still asks for a login (its URL may have been shared).
    response = client.get(f"{BOARD}3/")
    assert response.status_code == 302
    assert response["Location"] == redirect_to_login(f"{BOARD}3/")["Location"]


def test_readers_of_a_published_synthesis_read_it_as_published_not_on_the_board(regional, referent):
    """The board is the working copy: a referent, or an account without a role, reads a
    published synthesis as last published (issue 15, « Publier sur décision »)."""
    for user in (referent, factories.UserFactory()):
        client = logged_in(user)
        html = detail(client)
        assert "Voir l’atelier" not in html and board_links(html) == []
        response = client.get(f"{BOARD}3/")
        assert response.status_code == 302
        assert response["Location"] == reverse("syntheses:detail", args=[REGIONAL])
        page = unescape(client.get(response["Location"]).content.decode())
        assert "vous lisez sa dernière version publiée" in page
        htmx = client.get(f"{BOARD}3/", HTTP_HX_REQUEST="true")
        assert htmx.status_code == 403


def test_readers_of_a_draft_are_offered_its_board_and_may_open_it(regional, referent):
    regional.status = Synthesis.Status.DRAFT
    regional.save(update_fields=["status"])
    client = logged_in(referent)
    html = detail(client)
    assert "Voir l’atelier" in html and "Saisir en atelier" not in html
    links = board_links(html)
    assert len(links) == regional.sections.count()
    assert all(client.get(link).status_code == 200 for link in links)


def test_facilitators_are_offered_to_work_on_the_board(regional, facilitator):
    html = detail(logged_in(facilitator))
    assert "Saisir en atelier" in html and "Voir l’atelier" not in html
    assert len(board_links(html)) == regional.sections.count()


def test_the_rule_is_the_board_s_own(regional, referent):
    assert not may_open_board(AnonymousUser(), regional)
    assert not may_open_board(referent, regional)  # published: read as published
    draft_here = factories.SynthesisFactory(region=regional.region, status=Synthesis.Status.DRAFT)
    assert may_open_board(referent, draft_here)
    draft = factories.SynthesisFactory(status=Synthesis.Status.DRAFT)
    stranger = factories.UserFactory()
    assert not may_open_board(stranger, draft)
    assert logged_in(stranger).get(f"/syntheses/{draft.slug}/").status_code == 404
