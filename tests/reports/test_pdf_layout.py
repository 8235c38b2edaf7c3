"""How the PDF is laid out: rows kept whole or continued with « (suite) », the annex as its
source, no nearly empty page, every character printable."""

import io
import re
import sys
from types import SimpleNamespace

import pikepdf
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from etatsgeneraux.exchange.documents import create_synthesis
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.reports import typeset
from workshops.models import Irritant, Synthesis

from .test_pdf import (  # noqa: F401
    get_pdf,
    outline,
    pdf_text,
    regional_pdf,
    small,
    small_document,
    squeeze,
    whole_regional_pdf,
)
from .test_pdf_accessibility import check_pdf_ua

MM = 72 / 25.4


def page_texts(pdf):
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def lowest_text(page):
    """How far down the page its text goes, as a share of the text area (0 to 1)."""
    ys = []
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font, size):
        y = tm[5] * cm[3] + cm[5] if cm[3] else tm[5]
        if text.strip() and 16 * MM < y < height - 16 * MM:  # not the running header/footer
            ys.append(y)

    page.extract_text(visitor_text=visit)
    if not ys:
        return 0.0
    return (height - 16 * MM - min(ys)) / (height - 32 * MM)


def long_row_document():
    irritants = [
        f"Irritant numéro {number} : un énoncé assez long pour occuper deux lignes de la "
        "colonne des irritants du tableau de diagnostic de cette thématique"
        for number in range(1, 61)
    ]
    sections = small_document()["sections"]
    sections[0]["diagnostic"].append({"retex": [1], "irritants": irritants, "strengths": []})
    return small_document(slug="longue-ligne", sections=sections), irritants


def test_a_row_taller_than_a_third_of_a_page_continues_on_the_next_with_suite(
    reference_data, client
):
    document, irritants = long_row_document()
    create_synthesis(document)
    pages = page_texts(get_pdf(client, "longue-ligne").content)
    continued = [number for number, text in enumerate(pages) if "Égal accès (suite)" in text]
    assert continued, "the row's theme is repeated on the page it continues on"
    first = next(n for n, text in enumerate(pages) if squeeze(irritants[0]) in squeeze(text))
    assert continued[0] == first + 1
    # Every statement is printed whole, on one page.
    for irritant in irritants:
        assert sum(squeeze(irritant) in squeeze(text) for text in pages) == 1, irritant


def test_a_row_that_fits_is_never_cut_and_never_marked_suite(small, client):  # noqa: F811
    text = pdf_text(get_pdf(client, small.slug).content)
    assert "(suite)" not in text


@whole_regional_pdf
def test_no_statement_of_the_regional_pdf_is_cut_across_two_pages(regional_pdf):  # noqa: F811
    pages = [squeeze(page.extract_text()) for page in regional_pdf.reader.pages]
    cut = [s for s in regional_pdf.statements if not any(squeeze(s) in page for page in pages)]
    assert cut == []


@whole_regional_pdf
def test_no_page_is_under_a_quarter_full_but_the_last_of_a_section(regional_pdf):  # noqa: F811
    reader = regional_pdf.reader
    starts = {page for level, _title, page in outline(reader) if level <= 2}
    nearly_empty = [
        number
        for number, page in enumerate(reader.pages[1:], start=2)
        if lowest_text(page) < 0.25 and number + 1 not in starts and number < len(reader.pages)
    ]
    assert nearly_empty == []


def test_the_annex_is_laid_out_as_its_source_one_table_per_stage(demo_data):
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    data = typeset.report_data(reports.build_report(regional, None))
    (annex,) = data["annexes"]
    assert [stage["slug"] for stage in annex["stages"]] == [
        "diagnostic",
        "projections",
        "action_plan",
    ]
    numbers = [section["number"] for section in annex["body"]["sections"]]
    assert len(numbers) == 4
    # Each row names its thematic by its canonical number: Vendée's labels do (« (2) Enseigner
    # et apprendre… »); a label that does not gets « N°2 : » before it.
    for stage in annex["stages"]:
        themes = [row["theme"] for row in stage["table"]["rows"]]
        for number in numbers:
            assert any(theme.startswith((f"({number})", f"N°{number}\xa0:")) for theme in themes)
    assert typeset._numbered(5, "Gouvernance") == "N°5\xa0: Gouvernance"
    assert typeset._numbered(5, "(5) Gouvernance") == "(5) Gouvernance"


def test_a_character_no_font_can_draw_prints_as_a_replacement_and_stays_stored(small, client):  # noqa: F811
    irritant = Irritant.objects.filter(row__section__synthesis=small).first()
    irritant.text = "Zones blanches 🛰 et 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 rare"
    irritant.save(update_fields=["text"])
    response = client.get(reverse("reports:synthesis_pdf", args=[small.slug]))
    assert response.status_code == 200
    assert "Zones blanches \ufffd et" in pdf_text(response.content)
    irritant.refresh_from_db()
    assert irritant.text == "Zones blanches 🛰 et 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 rare"


def test_the_retex_column_widens_when_it_holds_sentences_rather_than_numbers():
    numbers = SimpleNamespace(report_retex_label="")
    sentence = SimpleNamespace(report_retex_label="Vers un collectif apprenant par un ERUN " * 2)
    assert typeset._columns("diagnostic", [numbers]) == typeset.COLUMNS["diagnostic"]
    widened = typeset._columns("diagnostic", [numbers, sentence])
    assert widened[1] > typeset.COLUMNS["diagnostic"][1] and sum(widened) == 100


@pytest.mark.slow
@pytest.mark.xdist_group("regional-pdf")
def test_a_large_synthesis_typeset_in_parts_reads_as_the_one_typeset_whole(demo_data):
    """Above PDF_SPLIT_STATEMENTS, the parts are typeset apart and joined: the same pages,
    text, bookmarks and contents, one valid structure tree."""
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    data = typeset.report_data(reports.build_report(regional, None))
    whole, whole_pages = typeset.compile_pdf(data)
    with override_settings(PDF_SPLIT_STATEMENTS=100):
        joined, joined_pages = typeset.compile_pdf(data)
    assert joined_pages == whole_pages
    whole_reader, joined_reader = (PdfReader(io.BytesIO(pdf)) for pdf in (whole, joined))
    # The same text on every page: running header, page x / y, contents' page numbers.
    assert [squeeze(p.extract_text()) for p in joined_reader.pages] == [
        squeeze(p.extract_text()) for p in whole_reader.pages
    ]
    assert outline(joined_reader) == outline(whole_reader)
    check_pdf_ua(joined)
    pdf = pikepdf.open(io.BytesIO(joined))
    tree = pdf.Root.StructTreeRoot
    keys = [int(key) for key in tree.ParentTree.Nums[::2]]
    assert len(keys) == len(set(keys)) and max(keys) < int(tree.ParentTreeNextKey)
    pages_keys = {int(page.obj.StructParents) for page in pdf.pages}
    assert pages_keys <= set(keys)
    ids = [str(name) for name in tree.IDTree.Names[::2]]
    assert len(ids) == len(set(ids))
    # The contents' links lead to the pages of their entries.
    numbers = {page.obj.objgen: index + 1 for index, page in enumerate(pdf.pages)}
    names = pdf.Root.Names.Dests.Names
    dests = {str(name): target for name, target in zip(names[::2], names[1::2], strict=True)}
    toc = whole_reader.pages[1].extract_text().splitlines()
    printed = [int(line.split()[-1]) for line in toc if ". ." in line]  # dot leaders
    links = pdf.pages[1].obj.Annots
    assert len(links) == len(printed) >= 10
    for link, page in zip(links, printed, strict=True):
        target = link.Dest
        target = dests[str(target)] if isinstance(target, pikepdf.String) else target
        assert numbers[target[0].objgen] == page
        assert f"page {page}" in str(link.Contents)


def test_typst_runs_in_a_process_of_its_own_that_gives_its_memory_back(small, client):  # noqa: F811
    """The Typst binding keeps what it memoised for the life of its process: never in a
    web or worker process."""
    assert get_pdf(client, small.slug).content.startswith(b"%PDF")
    assert "typst" not in sys.modules


def test_a_document_typst_refuses_raises_its_message(settings, tmp_path):
    broken = tmp_path / "report.typ"
    broken.write_text("#let x = (\n")
    with (
        pytest.MonkeyPatch.context() as patch,
        pytest.raises(typeset.TypstRefused, match="unclosed"),
    ):
        patch.setattr(typeset, "TEMPLATE", broken)
        patch.setattr(typeset, "TEMPLATE_DIR", tmp_path)
        typeset.compile_pdf({"kind": "proposal"})


def test_a_statement_taller_than_a_page_breaks_inside_and_loses_nothing(reference_data, client):
    sections = small_document()["sections"]
    enormous = " ".join(f"mot{number}" for number in range(1, 1600))
    sections[0]["diagnostic"].append({"irritants": [enormous]})
    create_synthesis(small_document(slug="enorme", sections=sections))
    pages = page_texts(get_pdf(client, "enorme").content)
    holding = [text for text in pages if "mot" in text]
    assert len(holding) >= 2  # broken inside, over the pages it needs
    assert re.findall(r"mot\d+", " ".join(holding)) == enormous.split()  # every word, in order


def test_export_says_in_french_why_typst_refused_the_document(small, tmp_path):  # noqa: F811
    broken = tmp_path / "report.typ"
    broken.write_text("#let x = (\n")
    output = tmp_path / "synthese.pdf"
    with (
        pytest.MonkeyPatch.context() as patch,
        pytest.raises(CommandError, match="Typst n’a pas pu composer le PDF"),
    ):
        patch.setattr(typeset, "TEMPLATE", broken)
        patch.setattr(typeset, "TEMPLATE_DIR", tmp_path)
        call_command("export_synthesis_pdf", small.slug, "--sans-cache", "-o", str(output))
    assert not output.exists()  # nothing half-written
