"""The PDFs are tagged PDF/UA-1: structural checks with pikepdf.

veraPDF, the reference validator, is in no package registry this project installs from
(README, « PDF accessibles »): these checks test what it would, structurally — a structure
tree, the document's language, marked content, XMP metadata declaring PDF/UA-1, the title
displayed, table headers, headings in order, and every piece of text on every page either
tagged or marked as an artifact (running headers, page numbers).
"""

import io
import itertools
import re

import pikepdf
import pytest
from django.urls import reverse

from actionplans.models import Action

from .test_pdf import (  # noqa: F401
    get_pdf,
    pdf_text,
    regional_pdf,
    small,
    squeeze,
    whole_regional_pdf,
)

pytestmark = pytest.mark.usefixtures("fresh_cache")

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


def structure(pdf):
    """(struct element types in document order, pages whose text is not all tagged)."""
    types = []

    def walk(node):
        kids = node.get("/K")
        if kids is None:
            return
        if not isinstance(kids, pikepdf.Array):
            kids = [kids]
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                types.append(str(kid.S))
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    untagged = []
    for number, page in enumerate(pdf.pages, 1):
        depth, loose = 0, 0
        for _operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BDC", "BMC"):
                depth += 1
            elif name == "EMC":
                depth -= 1
            elif name in TEXT_OPERATORS and depth == 0:
                loose += 1
        if loose or "/StructParents" not in page.obj:
            untagged.append(number)
    return types, untagged


def check_pdf_ua(data, *, markers=True, lists=True):
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root
    assert "/StructTreeRoot" in root
    assert str(root.Lang).startswith("fr")
    assert root.MarkInfo.Marked is True
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert re.search(rb'pdfuaid:part(="1"|>1<)', root.Metadata.read_bytes())
    assert pdf.docinfo.get("/Title")
    types, untagged = structure(pdf)
    assert untagged == []
    headings = [int(kind[2:]) for kind in types if kind[:2] == "/H" and kind[2:].isdigit()]
    assert headings and headings[0] == 1
    for previous, current in itertools.pairwise(headings):
        assert current <= previous + 1, f"H{previous} suivi de H{current}"
    assert "/Table" in types and "/TH" in types and "/TD" in types
    if lists:
        assert "/L" in types and "/LI" in types
    if markers:  # the statements' bullets: text, tagged as labels
        assert "/Lbl" in types
    return types


@whole_regional_pdf
def test_the_regional_pdf_and_its_annex_are_tagged_pdf_ua(regional_pdf):  # noqa: F811
    check_pdf_ua(regional_pdf.pdf)


@whole_regional_pdf
def test_tick_boxes_print_their_state_as_text(regional_pdf):  # noqa: F811
    assert "(case cochée\u00a0: oui)" in regional_pdf.text
    assert "(case non cochée\u00a0: non)" in regional_pdf.text


@whole_regional_pdf
def test_a_published_synthesis_prints_no_placeholder_and_typographic_apostrophes(
    regional_pdf,  # noqa: F811
):
    assert "À compléter" not in regional_pdf.text
    assert "d'" not in regional_pdf.text and "l'" not in regional_pdf.text


def test_the_thematic_and_proposal_pdfs_are_tagged_pdf_ua(small, client):  # noqa: F811
    thematic = client.get(reverse("reports:thematic_pdf", args=[small.slug, 1]))
    assert thematic.status_code == 200
    check_pdf_ua(thematic.content)
    proposal = client.get(reverse("reports:proposal_pdf", args=[small.slug, 1]))
    assert proposal.status_code == 200
    check_pdf_ua(proposal.content, markers=False, lists=False)  # a form: no list


def test_a_straight_apostrophe_is_printed_typographic_but_stored_as_written(
    small,  # noqa: F811
    client,
):
    action = Action.objects.filter(row__section__synthesis=small).first()
    assert action is not None
    action.text = "Former l'équipe d'établissement"
    action.save(update_fields=["text"])
    printed = pdf_text(get_pdf(client, small.slug).content)
    assert "l’équipe d’établissement" in printed
    action.refresh_from_db()
    assert action.text == "Former l'équipe d'établissement"


@whole_regional_pdf
def test_the_cover_sums_up_sessions_participants_and_statements_per_stage(regional_pdf):  # noqa: F811
    cover = squeeze(regional_pdf.reader.pages[0].extract_text())
    assert squeeze(f"{len(regional_pdf.sessions)} sessions") in cover
    counts = [int(n) for n in re.findall(r"(\d+)énoncés?\(", cover)]
    assert len(counts) == 3
    assert sum(counts) == len(regional_pdf.statements)


@whole_regional_pdf
def test_the_contents_list_the_annex_thematics_and_proposals(regional_pdf):  # noqa: F811
    contents = squeeze(regional_pdf.reader.pages[1].extract_text())
    assert squeeze("Proposition phare : Plan de Continuité Pédagogique Numérique") in contents
    for number, title in regional_pdf.vendee_sections:
        assert squeeze(f"Thématique N°{number} : {title}") in contents
