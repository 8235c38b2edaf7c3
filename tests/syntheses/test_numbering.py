"""One numbering of the thematics everywhere: the canonical one (1 égal accès, 2 enseigner,
3 travailler ensemble, 4 responsable, 5 gouvernance), in every page, document and URL; each
synthesis keeps its own order (README, « Numérotation des thématiques »).

The shipped regional synthesis orders its sections 1, 3, 5, 4, 2 (« Travailler ensemble
autrement » second, « Enseigner et apprendre » last); its Vendée annex 1, 2, 3, 4.
"""

import re
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import logged_in
from workshops.models import Irritant, ThematicSection

REGIONAL, VENDEE = "pays-de-la-loire-2020", "vendee-2020"
ORDER = [1, 3, 5, 4, 2]  # the regional synthesis's sections, in its order


def page(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, url
    return unescape(response.content.decode())


def squeezed(text):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text).replace("\xa0", " "))


def test_the_fixture_numbers_its_sections_in_its_own_order(regional):
    positions = ThematicSection.objects.filter(synthesis=regional).order_by("position")
    assert [section.thematic.number for section in positions] == ORDER


def test_the_synthesis_page_shows_the_canonical_numbers_in_the_synthesis_s_order(
    regional, facilitator
):
    text = squeezed(page(logged_in(facilitator), reverse("syntheses:detail", args=[REGIONAL])))
    headings = re.findall(r"Thématique N°(\d) : ", text)
    assert [int(number) for number in headings] == ORDER
    assert "Thématique N°3 : Travailler ensemble autrement" in text
    assert "N°2 : Travailler ensemble" not in text
    # Its own title, and the national one where they differ.
    assert "Thématique N°5 : Gouvernance et anticipation" in text
    assert "Intitulé national : Mettre en place de nouvelles formes de gouvernance" in text


def test_the_synthesis_page_links_board_pdf_and_preview_by_the_same_number(regional, facilitator):
    html = page(logged_in(facilitator), reverse("syntheses:detail", args=[REGIONAL]))
    base = f"/syntheses/{REGIONAL}/thematiques/3/"
    for url in (base, base + "pdf/", base + "apercu/"):
        assert f'href="{url}"' in html
    assert "?thematique=" not in html
    assert 'id="thematique-3"' in html


def test_the_board_names_its_thematics_by_the_same_numbers(regional, facilitator):
    text = squeezed(page(logged_in(facilitator), reverse("board:page", args=[REGIONAL, 3])))
    nav = re.findall(r"N°(\d) : ", text)
    assert [int(number) for number in nav[:5]] == ORDER
    assert "N°3 : Travailler ensemble autrement" in text


def test_the_history_filter_and_entries_use_the_same_numbers(regional, facilitator):
    client = logged_in(facilitator)
    section = ThematicSection.objects.get(synthesis=regional, thematic__number=3)
    irritant = Irritant.objects.filter(row__section=section).first()
    client.post(
        reverse("board:edit_statement", args=[REGIONAL, 3, "irritants", irritant.pk]),
        {"text": "Texte corrigé", "version": irritant.version},
        HTTP_HX_REQUEST="true",
    )
    text = squeezed(page(client, reverse("history:page", args=[REGIONAL]), thematique="3"))
    assert "N°3 : Travailler ensemble autrement" in text  # the filter's option
    assert "Thématique N°3 : Travailler ensemble autrement" in text  # the entry
    assert "Irritant modifié" in text


def test_the_pdf_of_the_region_and_its_annex_give_a_thematic_the_same_number(regional, client):
    """The regional document prints « Enseigner » last and its annex second: both N°2."""
    html = page(client, reverse("reports:synthesis_preview", args=[REGIONAL]))
    titles = re.findall(r"THÉMATIQUE N°(\d)\xa0:</span> ([^<]+)<", html)
    regional_part = titles[: len(ORDER)]
    assert [int(number) for number, _title in regional_part] == ORDER
    enseigner = [number for number, title in titles if title.startswith("Enseigner")]
    assert enseigner == ["2", "2"]  # the regional section and the Vendée annex's
    toc = squeezed(html.split('id="sommaire"')[1].split("</nav>")[0])
    assert "Thématique N°3 : Travailler ensemble autrement" in toc
    assert f'href="#{REGIONAL}-thematique-3"' in html and f'id="{REGIONAL}-thematique-3"' in html


def test_a_thematic_document_is_named_by_its_number_in_url_title_and_file(regional, client):
    html = page(client, reverse("reports:thematic_preview", args=[REGIONAL, 3]))
    assert "Thématique N°3\xa0: Travailler ensemble autrement" in html
    assert f'href="/syntheses/{REGIONAL}/thematiques/3/pdf/"' in html  # « Télécharger le PDF »
    assert "Gouvernance et anticipation" not in html
    response = client.get(reverse("reports:thematic_pdf", args=[REGIONAL, 3]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'synthese-{REGIONAL}-thematique-3.pdf"')


@pytest.mark.parametrize("kind, target", [("pdf", "thematic_pdf"), ("apercu", "thematic_preview")])
def test_former_links_by_position_redirect_permanently(regional, client, kind, target):
    # « Travailler ensemble autrement » was ?thematique=2 (its position) in this synthesis.
    response = client.get(f"/syntheses/{REGIONAL}/{kind}/", {"thematique": "2"})
    assert response.status_code == 301
    assert response["Location"] == reverse(f"reports:{target}", args=[REGIONAL, 3])
    # In the annex, position and number agree.
    response = client.get(f"/syntheses/{VENDEE}/{kind}/", {"thematique": "2"})
    assert response["Location"] == reverse(f"reports:{target}", args=[VENDEE, 2])
    for forged in ("9", "0", "deux", "²", "1" * 30):
        missing = client.get(f"/syntheses/{REGIONAL}/{kind}/", {"thematique": forged})
        assert missing.status_code == 404, forged


def test_a_thematic_the_synthesis_does_not_treat_is_not_found(regional, client):
    # Vendée treats thematics 1 to 4: thematic 5 has no section there.
    assert client.get(reverse("reports:thematic_pdf", args=[VENDEE, 5])).status_code == 404
    assert client.get(reverse("reports:thematic_preview", args=[VENDEE, 5])).status_code == 404
    huge = f"/syntheses/{VENDEE}/thematiques/{10**12}/pdf/"
    assert client.get(huge).status_code == 404


def test_the_administration_names_a_section_by_its_thematic_s_number(regional):
    section = ThematicSection.objects.get(synthesis=regional, thematic__number=3)
    assert " · N°3 Travailler ensemble autrement" in str(section)
