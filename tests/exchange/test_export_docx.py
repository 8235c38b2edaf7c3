"""The Word export in the national template, and the importer reading it back identical."""

import io

import docx
import pytest

from etatsgeneraux.exchange.documents import (
    CONTENT_KEYS,
    normalize_document,
    synthesis_document,
    synthesis_links,
)
from etatsgeneraux.exchange.exports import files as exports
from etatsgeneraux.exchange.exports import word
from etatsgeneraux.exchange.exports.bundle import collect
from etatsgeneraux.exchange.importing import import_synthesis, parse_document
from etatsgeneraux.exchange.importing.markup import EXPORT_STYLES, ROLE_STATEMENT
from etatsgeneraux.stages import STAGES
from tests.exchange.exports_data import HOSTILE, LONG, hostile_synthesis
from workshops.models import Synthesis

pytestmark = pytest.mark.usefixtures("fresh_cache")


def docx_of(synthesis):
    return word.write(collect([synthesis]))


def content(synthesis):
    """What makes two syntheses the same: their content (every statement, its position among
    its siblings, emphasis, text as written), and every link."""
    document = normalize_document(synthesis_document(synthesis))
    return {key: document[key] for key in CONTENT_KEYS}, synthesis_links(synthesis)


def reimported(data, slug, **options):
    report = import_synthesis(data, filename="export.docx", slug=slug, **options)
    assert report.outcome == "created", [issue.message for issue in report.issues]
    assert not report.errors
    return Synthesis.objects.get(slug=slug), report


@pytest.mark.parametrize("slug", ["pays-de-la-loire-2020", "vendee-2020"])
def test_the_shipped_syntheses_come_back_identical_from_their_word_export(demo_data, slug):
    original = Synthesis.objects.get(slug=slug)
    copy, report = reimported(docx_of(original), f"copie-{slug}")

    assert content(copy) == content(original)
    assert copy.region_id == original.region_id
    assert copy.department_id == original.department_id
    # Only the introduction is left aside, and the report says so.
    warnings = [issue.message for issue in report.issues]
    assert all("introduction" in message for message in warnings), warnings


def test_a_hostile_synthesis_comes_back_identical_from_its_word_export(reference_data):
    original = hostile_synthesis()
    copy, report = reimported(docx_of(original), "copie-hostile")

    assert content(copy) == content(original)
    # Every hostile text is there, exactly, with the links as they were made.
    stored = {
        s.text
        for model in _statement_models()
        for s in model.objects.filter(row__section__synthesis=copy)
    }
    assert set(HOSTILE) <= stored
    assert LONG in stored and len(LONG) == 2000
    [first, second] = copy.sections.order_by("position")
    assert (first.thematic.number, second.thematic.number) == (1, 4)
    assert first.title == "Gouvernance ; « enseigner » autrement 🎉"
    mains = list(first.projection_rows.get(position=1).main_irritants.order_by("position"))
    assert [m.source.text if m.source else None for m in mains] == [
        "Tab\tulation\tici\t",
        "Émoji 🎉👩🏽\u200d🏫 et drapeau 🇫🇷",
        None,  # the same text as an irritant, and still not linked
        HOSTILE[0],
        None,
    ]
    assert mains[3].source.row.position == 3  # the second irritant of that text, not the first
    assert [m.text for m in mains[:2]] == ["Autres mots", "Émoji 🎉👩🏽\u200d🏫 et drapeau 🇫🇷"]
    assert mains[1].emphasised
    # The empty rows are kept, and each stage's rows are in order.
    assert [row.position for row in first.diagnostic_rows.order_by("position")] == [1, 2, 3]
    plan = list(first.action_plan_rows.order_by("position"))
    assert plan[0].horizon == "moyen"
    assert plan[0].timings.order_by("position").first().text == "Court terme"
    assert [t.text for t in plan[1].timings.all()] == ["Long terme"]
    assert plan[1].horizon == ""
    # Nothing of the introduction was read as a heading or a sheet.
    assert not copy.sessions.exists()
    assert sorted(copy.retex_sheets.values_list("number", flat=True)) == [1, 2, 7]
    assert all("introduction" in issue.message for issue in report.issues)


def _statement_models():
    return [cell.model for stage in STAGES.values() for cell in stage.cells]


def test_reimporting_the_export_over_its_synthesis_changes_nothing(reference_data):
    original = hostile_synthesis()
    before = original.updated_at
    report = import_synthesis(docx_of(original), filename="export.docx", slug=original.slug)

    assert report.outcome == "unchanged", report.changes
    original.refresh_from_db()
    assert original.updated_at == before


def test_thematics_carry_their_national_number_not_their_place(demo_data):
    """The regional synthesis orders its thematics 1, 3, 5, 4, 2: its DOCX says so, as its
    page, board and PDF do (README, « Numérotation des thématiques »)."""
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    document = docx.Document(io.BytesIO(docx_of(synthesis)))
    headings = [p.text for p in document.paragraphs if p.text.startswith("THÉMATIQUE N°")]
    assert [heading.split("\u00a0")[0] for heading in headings] == [
        "THÉMATIQUE N°1",
        "THÉMATIQUE N°3",
        "THÉMATIQUE N°5",
        "THÉMATIQUE N°4",
        "THÉMATIQUE N°2",
    ]


def test_the_export_opens_in_word_as_the_national_template(demo_data):
    data = docx_of(Synthesis.objects.get(slug="vendee-2020"))
    document = docx.Document(io.BytesIO(data))
    texts = [paragraph.text for paragraph in document.paragraphs]

    assert "Introduction" in texts
    assert any(text.startswith("THÉMATIQUE N°1\u00a0: ") for text in texts)
    for stage in STAGES.values():
        assert f"{stage.number}. {stage.label}" in texts
        assert stage.table_caption in texts
    assert "RETEX 1 (Vendée)" in texts
    assert (
        "TITRE DE LA PROPOSITION PHARE / DU DISPOSITIF MIS EN PLACE / DE LA PRATIQUE "
        "GÉNÉRALISABLE" in texts
    )
    headers = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    for stage in STAGES.values():
        assert any(
            [cell.label for cell in stage.cells] == header[-len(stage.cells) :]
            for header in headers
        )
    # Statements in the platform's style, emphasis in bold; landscape A4, French.
    style = EXPORT_STYLES[ROLE_STATEMENT][1]
    cells = [c for table in document.tables for row in table.rows for c in row.cells]
    statements = [p for c in cells for p in c.paragraphs if p.style.name == style and p.text]
    assert len(statements) > 50
    section = document.sections[0]
    assert section.page_width > section.page_height
    assert document.core_properties.language == "fr-FR"
    assert document.core_properties.title == "Synthèse départementale de la Vendée"


def test_bold_statements_are_emphasised_and_carriage_returns_become_line_breaks(reference_data):
    synthesis = hostile_synthesis()
    irritant = (
        synthesis.sections.get(position=1).diagnostic_rows.get(position=1).irritants.get(position=1)
    )
    irritant.text = "Windows\r\nfin de ligne"
    irritant.save()
    data = docx_of(synthesis)
    document = docx.Document(io.BytesIO(data))
    runs = [
        run
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if run.text.startswith("« Guillemets »")
    ]
    assert runs and all(run.bold for run in runs)

    copy, _report = reimported(data, "copie-retours")
    first = copy.sections.get(position=1).diagnostic_rows.get(position=1).irritants.get(position=1)
    assert first.text == "Windows\nfin de ligne"  # documented: a line break is a line break


def test_statements_added_in_word_are_read_in_the_platform_style_and_the_template_one(
    demo_data,
):
    original = Synthesis.objects.get(slug="vendee-2020")
    document = docx.Document(io.BytesIO(docx_of(original)))
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "Points forts")
    cell = table.rows[1].cells[-1]
    added = cell.add_paragraph(
        "Ajouté dans Word\u00a0; « exact »  ", EXPORT_STYLES[ROLE_STATEMENT][1]
    )
    assert added.style.name == EXPORT_STYLES[ROLE_STATEMENT][1]
    cell.add_paragraph("▶ Deux énoncés ▶ à la manière du modèle")
    stream = io.BytesIO()
    document.save(stream)

    _kind, parsed, builder = parse_document(stream.getvalue())

    assert not builder.errors
    strengths = parsed["sections"][0]["diagnostic"][0]["strengths"]
    texts = [s if isinstance(s, str) else s["text"] for s in strengths]
    assert texts[-3:] == [
        "Ajouté dans Word\u00a0; « exact »  ",
        "Deux énoncés",
        "à la manière du modèle",
    ]


def test_a_link_whose_source_was_deleted_in_word_falls_back_on_the_text(reference_data):
    original = hostile_synthesis()
    document = docx.Document(io.BytesIO(docx_of(original)))
    body = document.element.body
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for bookmark in list(body.iter(f"{w}bookmarkStart")):
        if bookmark.get(f"{w}name", "").startswith("_egs"):
            bookmark.getparent().remove(bookmark)
    stream = io.BytesIO()
    document.save(stream)

    _kind, _parsed, builder = parse_document(stream.getvalue())

    assert not builder.errors
    warnings = [issue.message for issue in builder.issues if "lien" in issue.message]
    assert warnings and all("relié par son texte" in message for message in warnings)


def test_the_export_of_a_section_without_own_title_shows_the_national_one(reference_data):
    synthesis = hostile_synthesis()
    section = synthesis.sections.get(position=2)
    section.title = ""
    section.save()
    copy, _report = reimported(docx_of(synthesis), "copie-titre")
    # Documented: it comes back as the national title, which the platform showed anyway.
    assert copy.sections.get(position=2).title == section.thematic.title
    assert copy.sections.get(position=2).display_title == section.display_title


def test_exports_cache_the_file_by_content(reference_data):
    synthesis = hostile_synthesis()
    first = exports.export("docx", [synthesis])
    again = exports.export("docx", [synthesis])
    assert again.from_cache and again.data == first.data

    irritant = synthesis.sections.get(position=2).diagnostic_rows.get().irritants.get()
    irritant.text = "Changé"
    irritant.save()
    changed = exports.export("docx", [synthesis])
    assert not changed.from_cache and changed.key != first.key
