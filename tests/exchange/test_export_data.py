"""The open-data package (CSV + datapackage.json), the workbook and the JSON export: each
file opened with its own reader, every hostile text found back as written."""

import csv
import io
import json
import zipfile

import jsonschema
import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import F
from frictionless import Package

from etatsgeneraux.exchange import backup
from etatsgeneraux.exchange.documents import backup_document
from etatsgeneraux.exchange.exports import csvpackage, jsondoc, schema, xlsx
from etatsgeneraux.exchange.exports.bundle import collect
from etatsgeneraux.exchange.exports.common import neutralised, recovered
from etatsgeneraux.stages import CELLS, STAGES
from tests.exchange.exports_data import HOSTILE, LONG, hostile_synthesis
from workshops.models import Synthesis

pytestmark = pytest.mark.usefixtures("fresh_cache")


def unzip(data, folder):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        archive.extractall(folder)
        return sorted(archive.namelist())


def rows(folder, name):
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def validated(folder):
    report = Package(str(folder / "datapackage.json")).validate()
    errors = report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    assert report.valid, errors
    return report


# CSV data package -----------------------------------------------------------------------------


def test_the_shipped_syntheses_make_a_valid_data_package(demo_data, tmp_path):
    syntheses = Synthesis.objects.order_by(F("department__code").asc(nulls_first=True))
    data = csvpackage.write(collect(syntheses, national=True))
    names = unzip(data, tmp_path)
    report = validated(tmp_path)

    assert names == sorted(["datapackage.json", *(r.path for r in csvpackage.RESOURCES)])
    assert report.stats["tasks"] == len(csvpackage.RESOURCES)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert {c["role"] for c in package["contributors"]} == {"author", "publisher"}
    assert package["created"].endswith("Z")
    statements = rows(tmp_path, "enonces")
    assert len(statements) == sum(
        cell.model.objects.filter(row__section__synthesis__in=syntheses).count()
        for cell in CELLS.values()
    )
    first = statements[0]
    assert first["identifiant"] == "pays-de-la-loire-2020/1/diagnostic/1/irritants/1"
    assert first["region_code"] == "pays-de-la-loire"
    assert first["region_nom"] == "Pays de la Loire"
    assert first["thematique_numero"] == "1"
    assert first["retex_cites"] == "1"
    linked = [row for row in statements if row["source_identifiant"]]
    assert linked and all(row["colonne"] in ("irritants-principaux", "axes") for row in linked)
    sheets = rows(tmp_path, "fiches_retex")
    assert any(row["identifiant"] == "vendee-2020/retex/commune/1" for row in sheets)
    proposal = rows(tmp_path, "propositions_phares")[0]
    assert proposal["titre"] == "Plan de Continuité Pédagogique Numérique (PCPN)"
    assert proposal["effort"] == "moyen"
    assert rows(tmp_path, "syntheses")[1]["departement_code"] == "85"
    assert len(rows(tmp_path, "participations")) == 18


def test_every_hostile_text_comes_back_from_the_csv_files(reference_data, tmp_path):
    synthesis = hostile_synthesis()
    unzip(csvpackage.write(collect([synthesis])), tmp_path)
    validated(tmp_path)

    statements = {row["identifiant"]: row for row in rows(tmp_path, "enonces")}
    texts = {recovered(row["texte"]) for row in statements.values()}
    assert set(HOSTILE) <= texts
    assert LONG in texts
    for text in ("=SOMME(A1:A2)", "+33 1 23 45 67 89", "-moins au début", "@arobase"):
        assert neutralised(text) == f"'{text}"
        assert any(row["texte"] == f"'{text}" for row in statements.values())
    assert neutralised("'apostrophe au début") == "''apostrophe au début"
    linked = statements[f"{synthesis.slug}/1/projections/1/irritants-principaux/2"]
    assert linked["texte"] == ""
    assert linked["texte_affiche"] == "Émoji 🎉👩🏽\u200d🏫 et drapeau 🇫🇷"
    assert linked["source_identifiant"] == f"{synthesis.slug}/1/diagnostic/1/irritants/4"
    assert linked["mis_en_avant"] == "true"
    row = rows(tmp_path, "lignes")[0]
    assert row["retex_fiches"] == f"{synthesis.slug}/retex/1/1 {synthesis.slug}/retex/commune/7"
    assert recovered(row["retex_libre"]) == "Témoignage « A » ; B\n1, 2\nRETEX 9"
    proposal = rows(tmp_path, "propositions_phares")[0]
    assert proposal["etablissements"] == "'=35 collèges ; 305 écoles"
    assert proposal["temporalite"] == ""


def test_the_validator_catches_a_broken_link(demo_data, tmp_path):
    unzip(csvpackage.write(collect(Synthesis.objects.filter(slug="vendee-2020"))), tmp_path)
    path = tmp_path / "enonces.csv"
    text = path.read_text(encoding="utf-8")
    linked = next(
        r["source_identifiant"] for r in rows(tmp_path, "enonces") if r["source_identifiant"]
    )
    path.write_text(text.replace(f",{linked},", ",vendee-2020/9/nulle/part,", 1), encoding="utf-8")

    report = Package(str(tmp_path / "datapackage.json")).validate()

    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


# XLSX -------------------------------------------------------------------------------------------


def test_the_workbook_has_a_sheet_per_stage_laid_out_like_the_template(reference_data):
    synthesis = hostile_synthesis()
    book = openpyxl.load_workbook(io.BytesIO(xlsx.write(collect([synthesis]))), rich_text=True)

    assert book.sheetnames[:3] == [stage.short_label for stage in STAGES.values()]
    diagnostic = book["Diagnostic"]
    assert diagnostic.freeze_panes == "A2"
    assert diagnostic.auto_filter.ref == "A1:G5"
    headings = [cell.value for cell in diagnostic[1]]
    assert headings[-2:] == ["Irritants", "Points forts"]
    assert diagnostic.column_dimensions["F"].width > 40
    irritants = diagnostic.cell(row=2, column=6).value
    # One line per statement, each after ▶; the emphasised ones in bold.
    bold = [str(block.text) for block in irritants if getattr(block, "font", None) and block.font.b]
    assert any("« Guillemets »" in text for text in bold)
    assert str(irritants).startswith("▶ Ligne 1\nLigne 2\n\nLigne 4")
    assert "▶ =SOMME(A1:A2)" in str(irritants)
    plan = book["Plan d’action"]
    assert [cell.value for cell in plan[1]][-3:-1] == ["Horizon", "Temporalité souhaitée (Quand)"]
    assert plan.cell(row=2, column=8).value == "Moyen terme"


def test_the_statement_sheet_holds_every_text_as_written(reference_data):
    synthesis = hostile_synthesis()
    book = openpyxl.load_workbook(io.BytesIO(xlsx.write(collect([synthesis]))))
    sheet = book["Énoncés"]
    header = [cell.value for cell in sheet[1]]
    shown = header.index("Texte")
    texts = {row[shown] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(HOSTILE) <= texts  # formulas included: written as text, never run
    formula = next(
        row[shown] for row in sheet.iter_rows(min_row=2) if row[shown].value == "=SOMME(A1:A2)"
    )
    assert formula.data_type == "s"


def test_a_table_cell_past_excels_limit_is_cut_and_says_so(reference_data):
    synthesis = hostile_synthesis()
    row = synthesis.sections.get(position=2).diagnostic_rows.get()
    for position in range(2, 20):
        row.irritants.create(position=position, text=LONG)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.write(collect([synthesis]))))
    cell = book["Diagnostic"].cell(row=5, column=6).value
    assert len(cell) <= 32_767
    assert cell.endswith("la feuille « Énoncés » donne chaque énoncé en entier.")


# JSON -------------------------------------------------------------------------------------------


def test_the_json_export_follows_the_published_schema_and_restores_identical(
    reference_data, tmp_path
):
    synthesis = hostile_synthesis()
    data = jsondoc.write(collect([synthesis]))
    document = json.loads(data)
    jsonschema.Draft202012Validator(schema.build()).validate(document)
    assert document["format"] == backup.FORMAT and document["version"] == 1
    assert document["synthesis"]["archived_by"] is None

    document["synthesis"]["slug"] = "copie-json"
    path = tmp_path / "copie.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("restore_synthesis", str(path), verbosity=0)

    copy = Synthesis.objects.get(slug="copie-json")
    assert backup_document(copy) == backup_document(synthesis)


def test_the_national_json_and_a_backup_follow_the_schema(demo_data):
    validator = jsonschema.Draft202012Validator(schema.build())
    syntheses = Synthesis.objects.order_by(F("department__code").asc(nulls_first=True))
    national = json.loads(jsondoc.write(collect(syntheses, national=True)))
    validator.validate(national)
    assert national["format"] == "etatsgeneraux.syntheses"
    assert [e["synthesis"]["slug"] for e in national["syntheses"]] == [
        "pays-de-la-loire-2020",
        "vendee-2020",
    ]
    validator.validate(backup.build_backup(syntheses[0], with_annexes=True))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**national, "version": 2})


def test_the_shipped_schema_is_the_one_the_code_describes():
    assert schema.shipped() == schema.text(), (
        "Réécrivez le schéma : manage.py export_synthesis --schema "
        "--output etatsgeneraux/exchange/schemas/synthese-1.schema.json"
    )
    jsonschema.Draft202012Validator.check_schema(json.loads(schema.shipped()))
