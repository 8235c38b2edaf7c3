"""Importing a synthesis written in the national template (DOCX and its text export)."""

import io
import struct
import unicodedata
import zipfile

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionplans.models import Axis
from etatsgeneraux.exchange.documents import (
    STAGE_COLUMNS,
    create_synthesis,
    normalize_document,
    synthesis_document,
)
from etatsgeneraux.exchange.importing import import_synthesis, parse_document
from etatsgeneraux.exchange.importing.markup import column_of, squash
from tests.factories import SEEDS
from workshops.models import Irritant, Lever, MainIrritant, Strength, Synthesis

REGION = "pays-de-la-loire"


def seed(prefix):
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def run_import(data, slug="import-test", **options):
    options.setdefault("region", REGION)
    return import_synthesis(data, filename="document", slug=slug, **options)


def statements(document, thematic, stage, column):
    section = next(s for s in document["sections"] if s["thematic"] == thematic)
    return [statement for row in section[stage] for statement in row[column]]


def texts(items):
    return [item if isinstance(item, str) else item["text"] for item in items]


# Building DOCX documents in the national template ------------------------------------------

GREEN = RGBColor(0x00, 0xB0, 0x50)
HEADERS = {
    "diagnostic": ["Thématique concernée (parmi les 5)", "RETEX", "Irritants", "Points forts"],
    "projections": [
        "Thématique concernée (parmi les 5)",
        "Irritants principaux",
        "Besoin",
        "Axes d'amélioration ou leviers permettant de répondre aux besoins",
    ],
    "action_plan": [
        "Thématique concernée (parmi les 5)",
        "Axes d'amélioration principaux (Quoi)",
        "Actions à mener (Comment)",
        "Acteurs mobilisés",
        "Temporalité souhaitée pour une mise en œuvre",
        "Indicateurs et facteurs de réussite",
    ],
}


def fill_cell(cell, items, bullets=False):
    """One list paragraph per statement; ("text", "bold"|"green") is emphasised."""
    paragraph = cell.paragraphs[0]
    for index, item in enumerate(items):
        if index:
            paragraph = cell.add_paragraph()
        paragraph.style = "List Bullet"
        text, emphasis = item if isinstance(item, tuple) else (item, None)
        run = paragraph.add_run(f"▶ {text}" if bullets else text)
        if emphasis == "bold":
            run.bold = True
        elif emphasis == "green":
            run.font.color.rgb = GREEN


def add_table(document, header, rows, title=None):
    table = document.add_table(rows=0, cols=len(header))
    if title:
        cells = table.add_row().cells
        cells[0].merge(cells[-1]).text = title
    for cell, text in zip(table.add_row().cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, items in zip(table.add_row().cells, row, strict=True):
            fill_cell(cell, items if isinstance(items, list) else [items])
    return table


def docx_bytes(build):
    document = docx.Document()
    build(document)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def template_docx(document):
    """A one-thematic synthesis as a facilitator would fill the national template."""
    intro = document.add_table(rows=1, cols=2)
    intro.cell(0, 0).text = "Nom de la Région académique"
    intro.cell(0, 1).text = "Pays de la Loire"
    document.add_paragraph("THEMATIQUE N°2 : Enseigner et apprendre avec le numérique")
    document.add_paragraph("1. Retour d'expérience :")
    document.add_paragraph("Retours d'expérience présentés lors des ateliers")
    document.add_paragraph("RETEX 1 (Académie)")
    document.add_paragraph("Classe virtuelle en lycée")
    document.add_paragraph("Deux enseignants racontent leurs cours à distance.")
    document.add_paragraph("https://example.org/retex-1")
    document.add_paragraph("Diagnostic des points forts et irritants")
    add_table(
        document,
        HEADERS["diagnostic"],
        [
            ["Enseigner et apprendre", "1", ["Connexions instables", "Fatigue"], ["Entraide"]],
            ["Enseigner et apprendre", "", [], [("Classe virtuelle", "green")]],
        ],
    )
    document.add_paragraph("Un paragraphe que le modèle ne prévoit pas.")
    add_table(
        document,
        HEADERS["projections"],
        [["Enseigner et apprendre", ["Fatigue"], ["Rythme"], ["Alterner présence et distance"]]],
        title="Synthèse des besoins & axes d'amélioration",
    )
    add_table(
        document,
        HEADERS["action_plan"],
        [
            [
                "Enseigner et apprendre",
                ["Alterner présence et distance"],
                [("Former les équipes", "bold"), "Équiper les classes"],
                ["DANE"],
                ["Moyen terme"],
                ["Nombre de classes équipées"],
            ]
        ],
        title="Plan d'action pour répondre aux besoins et activer les leviers d'amélioration",
    )


# The text seeds --------------------------------------------------------------------------

# (thematic, stage, column) → number of statements, for every section of each seed.
SEED_COUNTS = {
    "003": {
        1: {
            "diagnostic": {"rows": 2, "irritants": 13, "strengths": 17},
            "projections": {"rows": 3, "main_irritants": 3, "needs": 5, "levers": 4},
            "action_plan": {
                "rows": 2,
                **{"axes": 3, "actions": 9, "actors": 6, "timing": 5, "indicators": 5},
            },
        }
    },
    "001": {
        5: {
            "diagnostic": {"rows": 1, "irritants": 3, "strengths": 3},
            "projections": {"rows": 2, "main_irritants": 7, "needs": 3, "levers": 9},
            "action_plan": {
                "rows": 2,
                **{"axes": 2, "actions": 5, "actors": 7, "timing": 1, "indicators": 3},
            },
        }
    },
    "004": {
        4: {
            "diagnostic": {"rows": 2, "irritants": 10, "strengths": 11},
            "projections": {"rows": 4, "main_irritants": 5, "needs": 4, "levers": 13},
            "action_plan": {
                "rows": 2,
                **{"axes": 2, "actions": 8, "actors": 9, "timing": 3, "indicators": 4},
            },
        }
    },
    "000": {
        1: {
            "diagnostic": {"rows": 1, "irritants": 3, "strengths": 1},
            "projections": {"rows": 1, "main_irritants": 3, "needs": 2, "levers": 3},
            "action_plan": {
                "rows": 1,
                **{"axes": 4, "actions": 3, "actors": 3, "timing": 1, "indicators": 3},
            },
        },
        2: {
            "diagnostic": {"rows": 1, "irritants": 1, "strengths": 2},
            "projections": {"rows": 1, "main_irritants": 1, "needs": 1, "levers": 1},
            "action_plan": {
                "rows": 1,
                **{"axes": 1, "actions": 2, "actors": 4, "timing": 1, "indicators": 2},
            },
        },
        3: {
            "diagnostic": {"rows": 1, "irritants": 2, "strengths": 4},
            "projections": {"rows": 1, "main_irritants": 2, "needs": 1, "levers": 1},
            "action_plan": {
                "rows": 1,
                **{"axes": 2, "actions": 3, "actors": 3, "timing": 1, "indicators": 4},
            },
        },
        4: {
            "diagnostic": {"rows": 1, "irritants": 1, "strengths": 1},
            "projections": {"rows": 1, "main_irritants": 1, "needs": 1, "levers": 1},
            "action_plan": {
                "rows": 1,
                **{"axes": 1, "actions": 2, "actors": 4, "timing": 1, "indicators": 2},
            },
        },
    },
}
SEED_EXTRAS = {  # RETEX sheets per section, shared sheets, flagship proposals, emphasised
    "003": ({1: 3}, 0, 0, 3),
    "001": ({5: 2}, 0, 0, 0),
    "004": ({4: 1}, 0, 0, 0),
    "000": ({1: 0, 2: 0, 3: 0, 4: 0}, 2, 1, 0),
}


@pytest.mark.parametrize("prefix", ["003", "001", "004", "000"])
def test_each_text_seed_imports_with_the_counts_of_its_tables(reference_data, prefix):
    options = {"department": "85"} if prefix == "000" else {}
    report = run_import(seed(prefix).read_bytes(), slug=f"seed-{prefix}", **options)

    assert report.outcome == "created", report.as_text()
    assert report.errors == [] and report.warnings == []
    stored = synthesis_document(Synthesis.objects.get(slug=f"seed-{prefix}"))
    counts = {
        section["thematic"]: {
            stage: {
                "rows": len(section[stage]),
                **{
                    column: sum(len(row[column]) for row in section[stage])
                    for column in STAGE_COLUMNS[stage]
                },
            }
            for stage in STAGE_COLUMNS
        }
        for section in stored["sections"]
    }
    assert counts == SEED_COUNTS[prefix]
    sheets, shared, flagships, emphasised = SEED_EXTRAS[prefix]
    assert {s["thematic"]: len(s["retex"]) for s in stored["sections"]} == sheets
    assert len(stored["retex"]) == shared
    assert len(stored["flagship_proposals"]) == flagships
    assert (
        sum(
            1
            for section in stored["sections"]
            for stage, columns in STAGE_COLUMNS.items()
            for column in columns
            for item in statements(stored, section["thematic"], stage, column)
            if not isinstance(item, str)
        )
        == emphasised
    )


def test_the_report_counts_what_was_recognised_per_thematic_and_stage(reference_data):
    report = run_import(seed("001").read_bytes())

    text = report.as_text()
    assert "Thématique 5 (Mettre en place de nouvelles formes de gouvernance" in text
    assert "« Gouvernance et anticipation »" in text
    assert "Diagnostic : 1 ligne, 3 irritants, 3 points forts" in text
    assert "Projections : 2 lignes, 7 irritants principaux, 3 besoins, 9 leviers" in text
    assert (
        "Plan d'action : 2 lignes, 2 axes, 5 actions, 7 acteurs, 1 temporalité, 3 indicateurs, "
        "1 horizon" in text
    )
    assert "RETEX : 2 fiches RETEX" in text
    assert "Durée : " in text


def test_the_pdf_extraction_of_the_regional_synthesis_is_refused_with_one_clear_message(
    reference_data,
):
    report = run_import(seed("002").read_bytes())

    assert report.outcome == "refused"
    assert "Aucun tableau du modèle national" in report.refusal
    assert "extrait d'un PDF" in report.refusal
    assert not Synthesis.objects.exists()


# Round trip with the fixtures of the foundation issue ---------------------------------------

ROUND_TRIP = [
    ("003", "pays-de-la-loire-2020", [1], {}),
    ("001", "pays-de-la-loire-2020", [5], {}),
    ("004", "pays-de-la-loire-2020", [4], {}),
    ("000", "vendee-2020", [1, 2, 3, 4], {"department": "85"}),
]


def comparable_section(section):
    """What the import must reproduce: every row as written, every statement and emphasis."""
    return {
        "title": section["title"],
        "retex": section["retex"],
        **{stage: section[stage] for stage in STAGE_COLUMNS},
    }


@pytest.mark.parametrize(("prefix", "slug", "thematics", "options"), ROUND_TRIP)
def test_importing_a_seed_yields_the_statements_of_the_fixtures(
    demo_data, prefix, slug, thematics, options
):
    report = run_import(seed(prefix).read_bytes(), slug=f"import-{prefix}", **options)
    assert report.ok, report.as_text()

    imported = normalize_document(
        synthesis_document(Synthesis.objects.get(slug=f"import-{prefix}"))
    )
    fixture = normalize_document(synthesis_document(Synthesis.objects.get(slug=slug)))
    for thematic in thematics:
        mine = next(s for s in imported["sections"] if s["thematic"] == thematic)
        theirs = next(s for s in fixture["sections"] if s["thematic"] == thematic)
        assert comparable_section(mine) == comparable_section(theirs), f"thématique {thematic}"
    if prefix == "000":
        assert imported["flagship_proposals"] == fixture["flagship_proposals"]
        # The document does not say where its shared RETEX sheets come from; the hand
        # transcription says « Vendée ».
        for sheet in imported["retex"] + fixture["retex"]:
            sheet.pop("origin")
        assert imported["retex"] == fixture["retex"]


def test_importing_the_vendee_seed_over_the_fixture_only_drops_the_invented_origins(demo_data):
    vendee = Synthesis.objects.get(slug="vendee-2020")
    before = synthesis_document(vendee)

    report = run_import(seed("000").read_bytes(), slug="vendee-2020", dry_run=True)

    assert report.outcome == "would_replace"
    assert synthesis_document(vendee) == before


# Idempotence, newer versions, curator work ---------------------------------------------------


def content_pks(synthesis):
    return sorted(
        (model.__name__, pk)
        for model in (Irritant, Strength, MainIrritant, Lever, Axis)
        for pk in model.objects.filter(row__section__synthesis=synthesis).values_list(
            "pk", flat=True
        )
    )


def test_importing_the_same_document_twice_changes_nothing_the_second_time(reference_data):
    data = seed("003").read_bytes()
    assert run_import(data).outcome == "created"
    synthesis = Synthesis.objects.get(slug="import-test")
    pks, updated_at = content_pks(synthesis), synthesis.updated_at

    with CaptureQueriesContext(connection) as queries:
        report = run_import(data)

    assert report.outcome == "unchanged"
    assert "Aucun changement" in report.as_text()
    synthesis.refresh_from_db()
    assert (content_pks(synthesis), synthesis.updated_at) == (pks, updated_at)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


def test_a_dry_run_writes_nothing(reference_data):
    data = seed("001").read_bytes()

    report = run_import(data, dry_run=True)

    assert report.outcome == "would_create"
    assert "Simulation" in report.as_text()
    assert not Synthesis.objects.exists()

    run_import(data)
    synthesis = Synthesis.objects.get()
    before = (content_pks(synthesis), synthesis_document(synthesis))
    newer = data.replace(b"Gouvernance horizontale", "Gouvernance partagée".encode())
    report = run_import(newer, dry_run=True)
    assert report.outcome == "would_replace"
    assert (content_pks(synthesis), synthesis_document(synthesis)) == before


def curate(synthesis):
    """What a curator does after the first import of seed 001."""
    irritants = Irritant.objects.filter(row__section__synthesis=synthesis)
    main_irritants = MainIrritant.objects.filter(row__section__synthesis=synthesis)
    # Emphasis on a statement the next version keeps, and on one it rewrites.
    Strength.objects.filter(text="Gouvernance horizontale").update(emphasised=True)
    Strength.objects.filter(text__startswith="Construire une réponse").update(emphasised=True)
    # Links from retyped main irritants to the diagnostic irritants they restate.
    kept = main_irritants.get(text="Peu d'usage parfois")
    kept.source = irritants.get(text="Difficulté de coordination des acteurs")
    kept.save()
    rewritten = main_irritants.get(text="Temps d'appropriation nécessaire")
    rewritten.source = irritants.get(text="Maintenance des matériels")
    rewritten.save()


def test_reimporting_after_curation_keeps_the_curator_work_and_writes_nothing(reference_data):
    data = seed("001").read_bytes()
    run_import(data)
    synthesis = Synthesis.objects.get()
    curate(synthesis)
    pks, curated = content_pks(synthesis), synthesis_document(synthesis)

    report = run_import(data)

    assert report.outcome == "unchanged"
    assert (content_pks(synthesis), synthesis_document(synthesis)) == (pks, curated)


def test_a_link_a_curator_removed_stays_removed_on_reimport(reference_data):
    data = seed("004").read_bytes()
    run_import(data)
    synthesis = Synthesis.objects.get()
    axis = Axis.objects.get(row__section__synthesis=synthesis, text__startswith="Il faut que")
    assert axis.source is not None  # linked at import: a lever has the same words
    axis.source = None
    axis.save()

    assert run_import(data).outcome == "unchanged"
    newer = data.replace(b"Formalisation", b"Formaliser")
    assert run_import(newer).outcome == "replaced"

    axis = Axis.objects.get(row__section__synthesis=synthesis, text__startswith="Il faut que")
    assert axis.source is None
    other = Axis.objects.get(row__section__synthesis=synthesis, text__startswith="Définir")
    assert other.source.text == other.text


def test_a_newer_version_replaces_the_content_and_keeps_curation_of_unchanged_statements(
    reference_data,
):
    data = seed("001").read_bytes().decode()
    run_import(data.encode())
    synthesis = Synthesis.objects.get()
    curate(synthesis)
    newer = data.replace(
        "Construire une réponse sur mesure", "Construire une réponse vraiment sur mesure"
    ).replace("Temps d'appropriation nécessaire", "Temps d'appropriation long")

    report = run_import(newer.encode())

    assert report.outcome == "replaced", report.as_text()
    assert report.changes == [
        "Thématique 5, diagnostic : 1 énoncé ajouté, 1 énoncé retiré, mises en avant modifiées.",
        "Thématique 5, projections : 1 énoncé ajouté, 1 énoncé retiré.",
    ]
    document = synthesis_document(synthesis)
    strengths = statements(document, 5, "diagnostic", "strengths")
    assert {"text": "Gouvernance horizontale", "emphasised": True} in strengths
    assert (
        "Construire une réponse vraiment sur mesure : un travail en direct avec les chefs "
        "d'établissement" in strengths
    )  # rewritten: as the document says, not emphasised
    kept = MainIrritant.objects.get(row__section__synthesis=synthesis, text="Peu d'usage parfois")
    assert kept.source.text == "Difficulté de coordination des acteurs"
    assert kept.text == "Peu d'usage parfois"  # the linked statement keeps its own words
    rewritten = MainIrritant.objects.get(
        row__section__synthesis=synthesis, text="Temps d'appropriation long"
    )
    assert rewritten.source is None
    lost = [w.message for w in report.warnings if "Temps d'appropriation nécessaire" in w.message]
    assert lost and "ne peut être gardé" in lost[0]
    # Identical retyped statements are still linked, like create_synthesis does.
    assert Axis.objects.filter(row__section__synthesis=synthesis, source__isnull=False).count() == 0
    assert run_import(newer.encode()).outcome == "unchanged"


def test_a_newer_version_without_a_section_says_the_section_is_removed(reference_data):
    run_import(seed("000").read_bytes(), department="85")
    synthesis = Synthesis.objects.get()
    only_first = "".join(
        line
        for line in seed("000").read_text().splitlines(keepends=True)
        if not ("\t" in line and any(f"({n}) " in line for n in (2, 3, 4)))
    )

    report = run_import(only_first.encode(), dry_run=True)

    assert report.changes == [
        f"Thématique {number} : section absente du document, supprimée." for number in (2, 3, 4)
    ]
    assert len(synthesis_document(synthesis)["sections"]) == 4


# All or nothing --------------------------------------------------------------------------------

BROKEN_ROW = "▶ Une thématique inventée\t▶ 1\t▶ Un irritant\t▶ Un point fort\n"


def test_a_document_with_an_error_imports_nothing_and_the_command_exits_non_zero(
    reference_data, tmp_path, capsys
):
    lines = seed("001").read_text().splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("Thématique concernée"))
    lines.insert(header + 2, BROKEN_ROW)
    path = tmp_path / "synthese.txt"
    path.write_text("".join(lines))

    with pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), slug="gouvernance", region=REGION)

    assert "1 erreur dans le document, rien n'a été écrit" in str(error.value)
    output = capsys.readouterr().out
    assert f"ligne {header + 3} : Thématique « Une thématique inventée » non reconnue" in output
    assert not Synthesis.objects.exists()


def test_a_document_with_an_error_leaves_the_stored_synthesis_as_it_was(reference_data):
    data = seed("001").read_text()
    run_import(data.encode())
    synthesis = Synthesis.objects.get()
    before = (content_pks(synthesis), synthesis_document(synthesis))

    report = run_import((data + "\n" + "Thématique\tIrritants\tColonne inconnue\n").encode())

    assert report.outcome == "failed"
    assert "Colonne « Colonne inconnue » non reconnue" in report.as_text()
    assert (content_pks(synthesis), synthesis_document(synthesis)) == before


def test_a_failed_write_rolls_everything_back(reference_data, monkeypatch):
    from etatsgeneraux.exchange import documents

    run_import(seed("004").read_bytes())
    synthesis = Synthesis.objects.get()
    before = synthesis_document(synthesis)

    def broken(*args, **kwargs):
        raise documents.FlagshipProposal.DoesNotExist  # any failure in the middle

    newer = seed("004").read_text().replace("Formalisation", "Formaliser")
    monkeypatch.setattr(documents, "_apply_links", broken)
    with pytest.raises(documents.FlagshipProposal.DoesNotExist), transaction.atomic():
        run_import(newer.encode())
    assert synthesis_document(synthesis) == before


def test_the_command_prints_the_report_and_the_time_taken(reference_data, capsys):
    call_command("import_synthesis", str(seed("004")), slug="responsable", region=REGION)

    output = capsys.readouterr().out
    assert "Synthèse créée." in output
    assert "Thématique 4" in output and "Durée : " in output
    assert Synthesis.objects.get(slug="responsable").region.code == REGION


# Columns, thematics, region -------------------------------------------------------------------


def test_columns_are_recognised_by_their_heading_not_their_position(reference_data):
    text = (
        "THEMATIQUE N°3 : Gouvernance et anticipation\n"
        "POINTS  FORTS\tthematique concernee\tIrritants\tRetex\n"
        "▶ Un pilotage clair\t▶ Gouvernance et anticipation\t▶ Trop d'outils\t▶ 1, 2\n"
    )

    _, document, builder = parse_document(text.encode())

    assert builder.errors == []
    [section] = document["sections"]
    assert section["thematic"] == 5  # « Gouvernance et anticipation », whatever its number
    assert section["diagnostic"][0]["strengths"] == ["Un pilotage clair"]
    assert section["diagnostic"][0]["irritants"] == ["Trop d'outils"]


def test_the_thematic_of_a_row_is_read_from_its_text(reference_data):
    _, document, _ = parse_document(seed("000").read_bytes())

    assert [s["thematic"] for s in document["sections"]] == [1, 2, 3, 4]
    assert document["sections"][2]["diagnostic"][0]["thematic_label"] == (
        "(3) Travailler ensemble autrement"
    )


def test_sup_tags_bold_markers_and_inline_bullets_of_the_text_export(reference_data):
    _, document, _ = parse_document(seed("003").read_bytes())

    needs = statements(document, 1, "projections", "needs")
    assert "Un outil ENT commun 1er et 2nd degrés" in needs
    axes = statements(document, 1, "action_plan", "axes")
    assert axes[1] == {
        "text": "Renforcer le rôle du Pôle inclusif d'accompagnement personnalisé (PIAL) : "
        "sensibiliser, recenser",
        "emphasised": True,
    }


def test_the_region_comes_from_the_document_when_not_given(reference_data):
    text = "Nom de la Région académique Pays de la Loire\n\n" + seed("004").read_text()

    report = import_synthesis(text.encode(), filename="t", slug="sans-option")

    assert report.ok, report.as_text()
    assert Synthesis.objects.get().region.code == REGION


def test_without_any_region_the_import_says_how_to_give_one(reference_data):
    report = import_synthesis(seed("004").read_bytes(), filename="t", slug="sans-region")

    assert report.outcome == "failed"
    [error] = report.errors
    assert error.field == "region" and "Région académique introuvable" in error.message
    assert not Synthesis.objects.exists()


def test_a_department_gives_its_region(reference_data):
    report = import_synthesis(
        seed("000").read_bytes(), filename="t", slug="vendee", department="85"
    )

    assert report.ok
    synthesis = Synthesis.objects.get()
    assert (synthesis.region.code, synthesis.department.code) == (REGION, "85")
    assert synthesis.title == "Synthèse départementale – Vendée"


def test_a_parent_must_be_a_regional_synthesis_of_the_same_region(reference_data):
    run_import(seed("004").read_bytes(), slug="regionale")

    report = run_import(seed("000").read_bytes(), slug="annexe", department="85", parent="nope")
    assert "Synthèse parente « nope » introuvable." in [e.message for e in report.errors]

    report = run_import(
        seed("000").read_bytes(), slug="annexe", department="85", parent="regionale"
    )
    assert report.ok
    assert Synthesis.objects.get(slug="annexe").parent.slug == "regionale"


def test_paragraphs_not_understood_are_reported_with_their_line(reference_data):
    text = (
        seed("004")
        .read_text()
        .replace(
            "2. Projections", "Une remarque hors modèle <script>alert(1)</script>\n\n2. Projections"
        )
    )
    line = text.splitlines().index("Une remarque hors modèle <script>alert(1)</script>") + 1

    report = run_import(text.encode())

    assert report.ok
    [warning] = report.warnings
    assert warning.where == f"ligne {line}"
    assert "Paragraphe non compris, non importé : « Une remarque hors modèle" in warning.message


def test_a_partly_bold_statement_is_reported_and_not_emphasised(reference_data):
    text = (
        "THEMATIQUE N°1 : Égal accès\n"
        "Thématique\tIrritants\tPoints forts\n"
        "▶ Égal accès\t▶ <b>Zones</b> blanches\t▶ **Tablettes 4G**\n"
    )

    _, document, builder = parse_document(text.encode())

    row = document["sections"][0]["diagnostic"][0]
    assert row["irritants"] == ["Zones blanches"]
    assert row["strengths"] == [{"text": "Tablettes 4G", "emphasised": True}]
    assert "n'est qu'en partie en gras" in builder.issues[0].message


def test_a_statement_longer_than_the_model_allows_is_an_error(reference_data):
    text = "Thématique\tIrritants\tPoints forts\n▶ Égal accès\t▶ " + "x" * 2001 + "\t\n"

    report = run_import(text.encode())

    assert report.outcome == "failed"
    assert "Énoncé de 2001 caractères (au plus 2000)" in report.errors[0].message


# DOCX ---------------------------------------------------------------------------------------


def test_a_docx_in_the_national_template_is_read_like_its_text_export(reference_data):
    report = import_synthesis(docx_bytes(template_docx), filename="t.docx", slug="docx")

    assert report.outcome == "created", report.as_text()
    assert report.format == "DOCX"
    document = synthesis_document(Synthesis.objects.get(slug="docx"))
    assert document["region"] == REGION  # from the introduction table
    [section] = document["sections"]
    assert (section["thematic"], section["title"]) == (
        2,
        "Enseigner et apprendre avec le numérique",
    )
    assert section["retex"] == [
        {
            "number": 1,
            "origin": "Académie",
            "title": "Classe virtuelle en lycée",
            "text": "Deux enseignants racontent leurs cours à distance.",
            "links": ["https://example.org/retex-1"],
        }
    ]
    first, second = section["diagnostic"]
    assert (first["retex"], first["irritants"]) == ([1], ["Connexions instables", "Fatigue"])
    assert second["strengths"] == [{"text": "Classe virtuelle", "emphasised": True}]  # green
    [plan] = section["action_plan"]
    assert plan["actions"] == [
        {"text": "Former les équipes", "emphasised": True},  # bold
        "Équiper les classes",
    ]
    assert (plan["horizon"], plan["timing"]) == ("moyen", [])
    # The retyped statements are linked to the earlier stage.
    assert MainIrritant.objects.get().source.text == "Fatigue"
    assert Axis.objects.get().source.text == "Alterner présence et distance"
    assert run_import(docx_bytes(template_docx), slug="docx").outcome == "unchanged"


def test_docx_parts_not_understood_are_reported_with_their_table_or_paragraph(reference_data):
    def build(document):
        template_docx(document)
        add_table(document, HEADERS["diagnostic"], [["Inconnue", "", ["Un irritant"], []]])

    report = run_import(docx_bytes(build))

    assert report.outcome == "failed"
    assert [(e.where, e.message[:30]) for e in report.errors] == [
        ("tableau 5, ligne 2", "Thématique « Inconnue » non re")
    ]
    [warning] = report.warnings
    assert warning.where == "paragraphe 9"
    assert "Un paragraphe que le modèle ne prévoit pas." in warning.message


def test_docx_bullets_line_breaks_and_merged_thematic_cells(reference_data):
    def build(document):
        document.add_paragraph("THEMATIQUE N°4 : Numérique responsable et souverain")
        table = document.add_table(rows=3, cols=4)
        for cell, text in zip(table.rows[0].cells, HEADERS["diagnostic"], strict=True):
            cell.text = text
        table.cell(1, 0).merge(table.cell(2, 0)).text = "▶ Numérique responsable"
        paragraph = table.cell(1, 2).paragraphs[0]
        paragraph.add_run("▶ Empreinte carbone ▶ Déplacements")
        paragraph.add_run().add_break(WD_BREAK.LINE)
        paragraph.add_run("Stockage")
        table.cell(2, 3).text = "▶ Visioconférences"

    _, document, builder = parse_document(docx_bytes(build))

    assert builder.errors == []
    first, second = document["sections"][0]["diagnostic"]
    assert first["irritants"] == ["Empreinte carbone", "Déplacements", "Stockage"]
    assert second["thematic_label"] == "Numérique responsable"
    assert second["strengths"] == ["Visioconférences"]


def add_hyperlink(paragraph, url, label):
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, True))
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = label
    run.append(text)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)


def test_docx_hyperlinks_of_a_retex_sheet_become_its_links(reference_data):
    def build(document):
        document.add_paragraph("THEMATIQUE N°3 : Travailler ensemble autrement")
        document.add_paragraph("RETEX 2 (Vendée) : Formation en classe virtuelle")
        document.add_paragraph("Dix sessions, 1260 participations.")
        add_hyperlink(document.add_paragraph(), "https://example.org/video", "Voir la vidéo")
        intro = document.add_paragraph("Le compte rendu est ")
        add_hyperlink(intro, "https://example.org/compte-rendu", "en ligne")
        add_table(document, HEADERS["diagnostic"], [["Travailler ensemble", "2", ["Un"], []]])

    _, document, builder = parse_document(docx_bytes(build))

    assert builder.issues == []
    [sheet] = document["sections"][0]["retex"]
    assert sheet == {
        "number": 2,
        "origin": "Vendée",
        "title": "Formation en classe virtuelle",
        "text": "Dix sessions, 1260 participations.\n\nLe compte rendu est en ligne",
        "links": ["https://example.org/video", "https://example.org/compte-rendu"],
    }


def test_a_flagship_proposal_laid_out_as_a_docx_table_is_read(reference_data):
    def build(document):
        template_docx(document)
        document.add_paragraph(
            "TITRE DE LA PROPOSITION PHARE / DU DISPOSITIF MIS EN PLACE / DE LA PRATIQUE "
            "GÉNÉRALISABLE"
        )
        document.add_paragraph("Tablettes pour tous")
        sheet = document.add_table(rows=0, cols=2)
        for label, value in [
            ("Résumé de la mesure :", "Prêter des tablettes aux familles."),
            ("Nombre d'élèves concernés :", "1 200"),
            ("Référent du projet :", "Jeanne Martin"),
            ("DIFFICULTÉS PRINCIPALES RENCONTRÉES", "À compléter"),
            ("EFFORTS DE MISE EN PLACE", "FORT"),
            ("TEMPORALITÉ NÉCESSAIRE", "Court terme"),
        ]:
            cells = sheet.add_row().cells
            cells[0].text, cells[1].text = label, value

    _, document, builder = parse_document(docx_bytes(build))

    assert [issue.where for issue in builder.issues] == ["paragraphe 9"]
    [proposal] = document["flagship_proposals"]
    assert {key: value for key, value in proposal.items() if value} == {
        "title": "Tablettes pour tous",
        "summary": "Prêter des tablettes aux familles.",
        "pupils": "1 200",
        "referent": "Jeanne Martin",
        "effort": "fort",
        "time_needed": "court",
    }


def test_the_flagship_proposal_sheet_is_read(reference_data):
    _, document, builder = parse_document(seed("000").read_bytes())

    [proposal] = document["flagship_proposals"]
    assert proposal["title"] == "Plan de Continuité Pédagogique Numérique (PCPN)"
    assert proposal["summary"].endswith("conseillers pédagogiques, DAN.")
    assert proposal["establishments"] == "tous 35 collèges 305 écoles"
    assert (proposal["referent"], proposal["effort"], proposal["time_needed"]) == (
        "Catherine Côme",
        "moyen",
        "moyen",
    )
    assert proposal["difficulties"] == ""  # « A compléter »
    assert builder.issues == []


# Properties: what is written into a document comes back identical --------------------------

# Statement text as the importer stores it: no control or invisible characters, no bullet,
# composed accents, single spaces (no-break spaces are kept).
statement_text = (
    st.text(
        st.characters(
            codec="utf-8",
            exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"),
            exclude_characters="▶►",
        ),
        min_size=1,
        max_size=60,
    )
    .map(lambda text: squash(unicodedata.normalize("NFC", text)))
    .filter(bool)
    .filter(lambda text: text.lower() not in ("court terme", "moyen terme", "long terme"))
)
statement = st.tuples(statement_text, st.sampled_from([None, "bold", "green"]))
cell = st.lists(statement, max_size=4)
rows = {
    stage: st.lists(st.tuples(*[cell] * (len(header) - 1)), min_size=1, max_size=3)
    for stage, header in HEADERS.items()
}
COLUMNS = {
    "diagnostic": ["retex_cell", "irritants", "strengths"],
    "projections": ["main_irritants", "needs", "levers"],
    "action_plan": ["axes", "actions", "actors", "timing", "indicators"],
}


def expected(items):
    return [
        text if emphasis is None else {"text": text, "emphasised": True} for text, emphasis in items
    ]


def generated_docx(tables):
    def build(document):
        document.add_paragraph("THEMATIQUE N°1 : Garantir un égal accès au numérique pour tous")
        for stage, table_rows in tables.items():
            add_table(
                document,
                HEADERS[stage],
                [
                    [
                        "Égal accès",
                        *([[]] if stage == "diagnostic" else []),
                        *row[1 if stage == "diagnostic" else 0 :],
                    ]
                    for row in table_rows
                ],
            )

    return docx_bytes(build)


@settings(max_examples=40, deadline=None)
@given(st.fixed_dictionaries(rows))
@pytest.mark.slow
def test_random_statements_written_into_a_docx_come_back_identical(tables):
    _, document, builder = parse_document(generated_docx(tables))

    assert builder.errors == []
    [section] = document["sections"]
    for stage, table_rows in tables.items():
        got = section[stage]
        wanted = [r for r in table_rows if any(r[1 if stage == "diagnostic" else 0 :])]
        assert len(got) == len(wanted)
        columns = COLUMNS[stage][1:] if stage == "diagnostic" else COLUMNS[stage]
        for row, cells in zip(got, wanted, strict=True):
            cells = cells[1:] if stage == "diagnostic" else cells
            for column, items in zip(columns, cells, strict=True):
                assert row[column] == expected(items)


# A statement that begins like a column heading (« RETEX », « Points forts »...) is left out:
# a row whose cells all read as headings is taken for the table's header (a known limit).
text_statement = statement_text.filter(
    lambda text: not set(text) & set("<>&*\t") and column_of(text) is None
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(text_statement, st.booleans()), max_size=4),
            st.lists(st.tuples(text_statement, st.booleans()), max_size=4),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_random_statements_written_into_a_text_export_come_back_identical(table_rows):
    def cell_text(items, html):
        bits = [f"**{text}**" if bold else text for text, bold in items]
        if html:
            return (
                '<ul style="list-style-type: none">'
                + "".join(f"<li>▶ {bit}</li>" for bit in bits)
                + "</ul>"
            )
        return " ".join(f"▶ {bit}" for bit in bits)

    lines = [
        "THEMATIQUE N°4 : Numérique responsable et souverain",
        "",
        "Thématique concernée (parmi les 5)\tRETEX\tIrritants\tPoints forts",
    ]
    for index, (irritants, strengths) in enumerate(table_rows):
        html = index % 2 == 0
        lines.append(
            "\t".join(
                [
                    "▶ Numérique responsable",
                    "▶",
                    cell_text(irritants, html),
                    cell_text(strengths, not html),
                ]
            )
        )

    _, document, builder = parse_document("\n".join(lines).encode())

    assert builder.errors == []
    got = document["sections"][0]["diagnostic"]
    wanted = [row for row in table_rows if row[0] or row[1]]
    for row, (irritants, strengths) in zip(got, wanted, strict=True):
        assert row["irritants"] == expected([(t, "bold" if b else None) for t, b in irritants])
        assert row["strengths"] == expected([(t, "bold" if b else None) for t, b in strengths])


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.fixed_dictionaries(rows))
@pytest.mark.slow
def test_an_imported_random_docx_is_stored_as_written_and_reimporting_it_changes_nothing(
    reference_data, tables
):
    data = generated_docx(tables)
    _, parsed, _ = parse_document(data)
    with transaction.atomic():
        assert run_import(data, slug="random").outcome == "created"
        stored = normalize_document(synthesis_document(Synthesis.objects.get(slug="random")))
        assert stored["sections"] == normalize_document(parsed)["sections"]
        assert run_import(data, slug="random").outcome == "unchanged"
        transaction.set_rollback(True)


# synthesis_document, the inverse of create_synthesis ----------------------------------------


def test_synthesis_document_rebuilds_the_fixtures_in_a_constant_number_of_queries(demo_data):
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    with CaptureQueriesContext(connection) as regional_queries:
        document = synthesis_document(regional)
    vendee = Synthesis.objects.get(slug="vendee-2020")
    with CaptureQueriesContext(connection) as vendee_queries:
        synthesis_document(vendee)
    # Independent of the size: one query per table (none for an empty level).
    assert len(regional_queries) <= 25 and len(vendee_queries) <= 25

    copy = create_synthesis({**document, "slug": "copie"})
    again = synthesis_document(copy)
    assert {**again, "slug": document["slug"]} == document


# Bad input ----------------------------------------------------------------------------------


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return stream.getvalue()


def docx_bomb():
    """A valid DOCX plus a member that inflates to 60 MB (it weighs about 60 KB)."""
    base = docx_bytes(template_docx)
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/media/padding.bin"] = b"\0" * (60 * 1024 * 1024)
    return zip_bytes(members)


def lying_docx_bomb():
    """The same bomb whose zip headers claim the padding is 1 KB."""
    data = bytearray(docx_bomb())
    real = struct.pack("<I", 60 * 1024 * 1024)
    fake = struct.pack("<I", 1024)
    return bytes(data.replace(real, fake))


BAD_INPUTS = {
    "un fichier vide": (b"", "Le fichier est vide."),
    "un fichier binaire": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)), "binaire"),
    "un texte qui n'est pas en UTF-8": (
        "Thématique\tIrritants\n".encode("latin-1"),
        "n'est pas encodé en UTF-8 (caractère invalide à la ligne 1)",
    ),
    "un PDF": (b"%PDF-1.7\n" + b"x" * 100, "Les fichiers PDF ne sont pas pris en charge"),
    "un ancien document Word": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "(.doc)"),
    "une archive ZIP qui n'est pas un DOCX": (
        zip_bytes({"photo.jpg": b"x"}),
        "n'est pas un document Word (.docx)",
    ),
    "une archive ZIP tronquée": (docx_bytes(template_docx)[:2000], "archive endommagée"),
    "une bombe de décompression": (None, "se décompresse en plus de 50 Mo"),
    "une bombe aux en-têtes mensongers": (None, None),
    "un texte de 3 Mo": (b"a" * (3 * 1024 * 1024), "un export texte est limité à 2 Mo"),
    "un document sans tableau du modèle": (
        "THEMATIQUE N°1 : Égal accès\n\nDu texte, pas de tableau.\n".encode(),
        "Aucun tableau du modèle national",
    ),
    "un DOCX sans tableau du modèle": (
        docx_bytes(lambda d: d.add_paragraph("Bonjour")),
        "Aucun tableau du modèle national",
    ),
    "un DOCX avec une déclaration DOCTYPE": (None, "DOCTYPE"),
}


def doctype_docx():
    base = docx_bytes(template_docx)
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>', 1
    )
    return zip_bytes(members)


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gives_one_french_message_a_non_zero_exit_and_writes_nothing(
    reference_data, tmp_path, case
):
    data, message = BAD_INPUTS[case]
    if case == "une bombe de décompression":
        data = docx_bomb()
    elif case == "une bombe aux en-têtes mensongers":
        data = lying_docx_bomb()
    elif case == "un DOCX avec une déclaration DOCTYPE":
        data = doctype_docx()
    path = tmp_path / "document"
    path.write_bytes(data)

    with pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), slug="mauvais", region=REGION)

    text = str(error.value)
    if message:
        assert message in text
    else:  # a lying zip is refused either as damaged or as too large
        assert "endommagée" in text or "décompresse" in text
    assert "Traceback" not in text
    assert not Synthesis.objects.exists()


def test_a_50_mb_text_is_refused_before_being_read(reference_data, tmp_path):
    path = tmp_path / "enorme.txt"
    with path.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)

    with pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), slug="enorme", region=REGION)

    assert str(error.value) == (
        "Le fichier fait 50 Mo : la limite est de 10 Mo pour un document Word et de 2 Mo "
        "pour un export texte."
    )


def test_a_missing_file_is_a_french_error(reference_data, tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_synthesis", str(tmp_path / "absent.docx"), slug="x")


def test_control_characters_are_stripped_from_statements(reference_data):
    text = "Thématique\tIrritants\tPoints forts\n▶ Égal accès\t▶ Zones\x07 blan\x1bches\t\n"

    _, document, _ = parse_document(text.encode())

    assert document["sections"][0]["diagnostic"][0]["irritants"] == ["Zones blanches"]


def test_bidirectional_controls_are_stripped_from_statements(reference_data):
    text = "Thématique\tIrritants\tPoints forts\n▶ Égal accès\t▶ Zones\u202e blan\u2066ches\t\n"

    _, document, _ = parse_document(text.encode())

    assert document["sections"][0]["diagnostic"][0]["irritants"] == ["Zones blanches"]


@pytest.mark.parametrize(
    "cell",
    [" " * 1_900_000 + "x", "<sup>a " * 270_000, "<b " * 630_000, "< " * 950_000],
    ids=["spaces", "unclosed-sup", "unclosed-b", "lone-brackets"],
)
def test_a_hostile_text_near_the_size_limit_is_read_in_linear_time(reference_data, cell):
    import time

    text = "Thématique\tIrritants\tPoints forts\n▶ Égal accès\t" + cell + "\t\n"
    started = time.perf_counter()

    report = run_import(text.encode(), dry_run=True)

    assert time.perf_counter() - started < 10  # about 1 s; quadratic would take hours
    assert report.outcome in ("would_create", "failed")


# Hostile DOCX files: parsed with no DTD whatever the encoding or part name, bounded work ------


def docx_members():
    with zipfile.ZipFile(io.BytesIO(docx_bytes(template_docx))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


XXE = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def utf16_doctype_docx():
    members = docx_members()
    text = members["word/document.xml"].decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    text = text.replace("?>", "?>" + XXE.decode(), 1).replace("<w:t>", "<w:t>&xxe;", 1)
    members["word/document.xml"] = text.encode("utf-16")  # with its byte-order mark
    return zip_bytes(members)


def renamed_main_part_docx():
    members = docx_members()
    main = members.pop("word/document.xml").replace(b"?>", b"?>" + XXE, 1)
    members["word/main.dat"] = main.replace(b"<w:t>", b"<w:t>&xxe;", 1)
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"word/document.xml", b"word/main.dat")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"/word/document.xml", b"/word/main.dat"
    )
    members["word/_rels/main.dat.rels"] = members.pop("word/_rels/document.xml.rels")
    return zip_bytes(members)


def many_paragraphs_docx(megabytes=45):
    """45 MB of tiny paragraphs in document.xml, under the 50 MB decompressed limit."""
    members = docx_members()
    tiny = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    count = (megabytes * 1024 * 1024 - len(members["word/document.xml"])) // len(tiny)
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"<w:body>", b"<w:body>" + tiny * count, 1
    )
    return zip_bytes(members)


def test_the_renamed_main_part_is_still_read_by_its_relationship(reference_data):
    members = docx_members()
    members["word/main.dat"] = members.pop("word/document.xml")
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"word/document.xml", b"word/main.dat")
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"/word/document.xml", b"/word/main.dat"
    )
    members["word/_rels/main.dat.rels"] = members.pop("word/_rels/document.xml.rels")

    _, document, _ = parse_document(zip_bytes(members))

    assert texts(statements(document, 2, "diagnostic", "irritants")) == [
        "Connexions instables",
        "Fatigue",
    ]


@pytest.mark.parametrize(
    "build", [utf16_doctype_docx, renamed_main_part_docx], ids=["utf-16", "renamed-part"]
)
def test_a_doctype_is_refused_by_the_parser_whatever_the_encoding_or_part_name(
    reference_data, tmp_path, build
):
    path = tmp_path / "document.docx"
    path.write_bytes(build())

    with pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), slug="xxe", region=REGION)

    assert "déclarations XML interdites (DOCTYPE)" in str(error.value)
    assert not Synthesis.objects.exists()


def test_45_mb_of_tiny_paragraphs_are_refused_past_the_paragraph_limit(reference_data, tmp_path):
    path = tmp_path / "paragraphes.docx"
    path.write_bytes(many_paragraphs_docx())

    with pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), slug="paragraphes", region=REGION)

    assert str(error.value) == (
        "Le document compte plus de 30\u202f000 paragraphes (limite d'un import) : importez "
        "chaque synthèse séparément."
    )
    assert not Synthesis.objects.exists()


def test_a_hostile_column_span_is_clamped_not_allocated(reference_data):
    members = docx_members()
    members["word/document.xml"] = members["word/document.xml"].replace(
        b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="2000000000"/>', 1
    )

    report = run_import(zip_bytes(members), dry_run=True)

    assert report.outcome in ("would_create", "failed")
