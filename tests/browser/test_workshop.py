"""End to end, in Debian's Chromium: a facilitator records a workshop, a referent only reads."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.pages import download_rendered_in_the_background, log_in
from workshops.models import Irritant, Synthesis

BOARD = "/syntheses/vendee-2020/thematiques/1/"

# Browser tests (make test-fast leaves them out), in one test process with the other ones:
# one Chromium and one live server.
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def add(page, label, text):
    """Types a statement in the field of that label and presses Enter."""
    field = page.get_by_label(label, exact=False).first
    field.fill(text)
    field.press("Enter")
    expect(page.get_by_text(text, exact=True)).to_be_visible()


def statement_item(page, text):
    return page.locator("li.board-statement", has_text=text)


def test_a_facilitator_records_a_workshop_and_finds_it_in_the_pdf(page, facilitator):
    log_in(page, facilitator)
    page.goto(BOARD)

    # Stage 1: a RETEX sheet and an irritant.
    page.get_by_role("button", name="Ajouter une fiche RETEX").click()
    page.get_by_label("Numéro").fill("3")
    page.get_by_label("Origine").fill("Vendée")
    page.get_by_label("Titre ou témoin").fill("Témoignage d’une école de La Roche-sur-Yon")
    page.get_by_label("Texte").fill("Des tablettes prêtées aux familles pendant le confinement.")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(page.get_by_text("Témoignage d’une école de La Roche-sur-Yon")).to_be_visible()
    add(page, "Nouvel irritant, ligne 1", "Tablettes sans connexion à la maison")

    # Reorder: the new irritant (last of its list) goes up one place.
    new = statement_item(page, "Tablettes sans connexion à la maison")
    irritants = page.locator("ul.board-statements", has=new).locator("li.board-statement")
    count = irritants.count()
    expect(irritants.nth(count - 1)).to_contain_text("Tablettes sans connexion")
    new.get_by_role("button", name="Monter").click()
    expect(irritants.nth(count - 2)).to_contain_text("Tablettes sans connexion")

    # Stage 2: a need and a lever.
    page.get_by_role("tab", name=re.compile("Projections")).click()
    add(page, "Nouveau besoin, ligne 1", "Une connexion pour chaque famille équipée")
    add(
        page,
        "Nouvel axe d’amélioration ou levier, ligne 1",
        "Prêter des clés 4G avec les tablettes",
    )

    # Stage 3: an action, its actors and an indicator; the action is emphasised.
    page.get_by_role("tab", name=re.compile("Plan d")).click()
    add(page, "Nouvelle action, ligne 1", "Recenser les familles sans connexion en septembre")
    add(page, "Nouvel acteur, ligne 1", "Directeurs d’école et ERUN")
    add(page, "Nouvel indicateur", "Nombre de clés 4G prêtées")
    action = statement_item(page, "Recenser les familles sans connexion en septembre")
    action.get_by_role("button", name="Mettre en avant").click()
    expect(action.locator("strong")).to_have_text(
        "Recenser les familles sans connexion en septembre"
    )

    # Everything is saved: the PDF of the synthesis holds it. Right after the edits, it is
    # rendered in the background: its progress, then the file.
    page.goto("/syntheses/vendee-2020/")
    download = download_rendered_in_the_background(
        page, page.get_by_role("link", name=re.compile("Télécharger le PDF")).first
    )
    pdf = PdfReader(download.path())
    text = " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())
    for expected in [
        "Témoignage d’une école de La Roche-sur-Yon",
        "Tablettes sans connexion à la maison",
        "Une connexion pour chaque famille équipée",
        "Prêter des clés 4G avec les tablettes",
        "Recenser les familles sans connexion en septembre",
        "Directeurs d’école et ERUN",
        "Nombre de clés 4G prêtées",
    ]:
        assert expected.replace("’", "'") in text.replace("’", "'")


def test_a_referent_reads_the_board_but_cannot_change_anything(page, referent):
    # A draft: its readers follow it on the board (a published synthesis is read, by those
    # who do not manage it, as last published).
    Synthesis.objects.filter(slug="vendee-2020").update(status=Synthesis.Status.DRAFT)
    log_in(page, referent)
    page.goto(BOARD)
    expect(page.get_by_text(re.compile("Lecture seule"))).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter une fiche RETEX")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Modifier"))).to_have_count(0)

    # A change forged by hand is refused and changes nothing.
    irritant = Irritant.objects.filter(row__section__synthesis__slug="vendee-2020").first()
    before = irritant.text
    status = page.evaluate(
        """async (url) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const response = await fetch(url, {method: "POST", headers: {"X-CSRFToken": token},
                                               body: new URLSearchParams({text: "Piraté"})});
            return response.status;
        }""",
        f"{BOARD}enonces/irritants/{irritant.pk}/modifier/",
    )
    assert status == 403
    irritant.refresh_from_db()
    assert irritant.text == before
    assert referent.memberships.count() == 1
