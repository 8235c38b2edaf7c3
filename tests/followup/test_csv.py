"""The follow-up CSV: export for a spreadsheet, re-import keyed on stable identifiers, with
nothing written when any line is wrong, and formulas neutralised both ways."""

import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from actionplans.followup import ActionProgress, IndicatorTarget, JournalEntry, Measurement, Status
from etatsgeneraux.followup import csvio, recording, rollup
from etatsgeneraux.followup.recording import ProgressChange
from tests import factories

from .helpers import actions_of, indicators_of

pytestmark = pytest.mark.django_db


def export(synthesis):
    return csvio.export_bytes(rollup.load(synthesis)[synthesis.pk])


def rows_of(data):
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def write(rows, *, bom=True, delimiter=";"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def column(rows, name):
    return rows[0].index(name)


def line_of(rows, key):
    return next(index for index, row in enumerate(rows) if row[0] == key)


@pytest.fixture
def followed(synthesis, facilitator):
    """Two followed actions (one with a formula for a pilot) and an indicator with values."""
    first, second = actions_of(synthesis)[:2]
    recording.record_progress(
        synthesis,
        facilitator,
        [
            ProgressChange(first.pk, 0, Status.IN_PROGRESS, 30, pilot_name='=HYPERLINK("x")'),
            ProgressChange(second.pk, 0, Status.BLOCKED, 10, pilot_name="DANE"),
        ],
    )
    indicator = indicators_of(synthesis).first()
    recording.set_indicator(
        synthesis,
        indicator.pk,
        0,
        {
            "unit": "%",
            "initial_value": Decimal("10.5"),
            "initial_date": date(2021, 1, 4),
            "target_value": Decimal(50),
            "target_date": date(2022, 6, 30),
        },
    )
    recording.record_measurement(synthesis, facilitator, indicator.pk, date(2021, 3, 1), 20)
    return first, second, indicator


def test_the_export_is_utf8_with_a_bom_semicolons_and_every_action_and_indicator(
    synthesis, followed
):
    data = export(synthesis)
    assert data.startswith(b"\xef\xbb\xbfidentifiant;type;")
    rows = rows_of(data)
    keys = {row[0] for row in rows[1:]}
    assert set(actions_of(synthesis).values_list("key", flat=True)) <= keys
    assert set(indicators_of(synthesis).values_list("key", flat=True)) <= keys
    _first, _second, indicator = followed
    line = rows[line_of(rows, indicator.key)]
    assert line[column(rows, "valeur initiale")] == "10,5"
    assert line[column(rows, "date initiale")] == "2021-01-04"
    assert line[column(rows, "dernière valeur")] == "20"


def test_formulas_are_neutralised_on_export_and_refused_on_import(synthesis, followed):
    first, _second, _indicator = followed
    rows = rows_of(export(synthesis))
    pilot = rows[line_of(rows, first.key)][column(rows, "pilote")]
    assert pilot == '\'=HYPERLINK("x")'
    # Our own apostrophe comes off again: re-importing the file changes nothing.
    result = csvio.import_bytes(write(rows), synthesis=synthesis)
    assert not result.changed
    assert ActionProgress.objects.get(action=first).pilot_name == '=HYPERLINK("x")'
    # A formula typed in a cell is refused, and nothing is written.
    rows[line_of(rows, first.key)][column(rows, "commentaire")] = '=HYPERLINK("http://x","y")'
    rows[line_of(rows, first.key)][column(rows, "statut")] = "Terminée"
    with pytest.raises(csvio.CsvError, match="serait une formule"):
        csvio.import_bytes(write(rows), synthesis=synthesis)
    assert ActionProgress.objects.get(action=first).status == Status.IN_PROGRESS


def test_a_round_trip_updates_exactly_what_changed(synthesis, followed, facilitator):
    first, second, indicator = followed
    rows = rows_of(export(synthesis))
    untouched = actions_of(synthesis)[3]
    line = rows[line_of(rows, second.key)]
    line[column(rows, "statut")] = "Terminée"  # its progress (10) left: the status proposes 100
    line[column(rows, "commentaire")] = "Fini en juin."
    line = rows[line_of(rows, indicator.key)]
    line[column(rows, "dernière valeur")] = "27,25"
    line[column(rows, "date de la dernière valeur")] = "15/06/2021"  # as a French spreadsheet
    line[column(rows, "cible")] = "60"
    history_before = JournalEntry.history.count()
    result = csvio.import_bytes(write(rows), user=facilitator, synthesis=synthesis)
    assert [key for key, _text, _what in result.actions] == [second.key]
    assert [key for key, _text, _what in result.indicators] == [indicator.key]
    assert [(key, when) for key, _text, when in result.measurements] == [
        (indicator.key, date(2021, 6, 15))
    ]
    stored = ActionProgress.objects.get(action=second)
    assert (stored.status, stored.progress) == (Status.DONE, 100)
    assert JournalEntry.objects.filter(action=second).first().comment == "Fini en juin."
    assert JournalEntry.history.count() == history_before + 1
    assert not ActionProgress.objects.filter(action=untouched).exists()
    assert ActionProgress.objects.get(action=first).progress == 30
    assert IndicatorTarget.objects.get(indicator=indicator).target_value == 60
    assert Measurement.objects.filter(indicator=indicator).latest("date").value == Decimal("27.25")
    # Exported again and re-imported: nothing left to change.
    again = csvio.import_bytes(export(synthesis), user=facilitator, synthesis=synthesis)
    assert not again.changed


def test_a_dry_run_writes_nothing(synthesis, followed):
    _first, second, _indicator = followed
    rows = rows_of(export(synthesis))
    rows[line_of(rows, second.key)][column(rows, "avancement (%)")] = "75"
    result = csvio.import_bytes(write(rows), synthesis=synthesis, dry_run=True)
    assert result.changed
    assert "rien n’a été enregistré" in result.summary()
    assert ActionProgress.objects.get(action=second).progress == 10


def bad_files(synthesis, followed):
    first, second, indicator = followed
    rows = rows_of(export(synthesis))
    # A good change on another line, which must not be written either.
    rows[line_of(rows, first.key)][column(rows, "avancement (%)")] = "77"

    def edited(key, name, value):
        copy = [list(row) for row in rows]
        copy[line_of(copy, key)][column(copy, name)] = value
        return write(copy)

    return {
        "progression hors bornes": (
            edited(second.key, "avancement (%)", "140"),
            "entre 0 et 100",
        ),
        "statut inconnu": (edited(second.key, "statut", "Presque"), "statut «\u00a0Presque"),
        "identifiant inconnu": (edited(second.key, "identifiant", "A-INCONNU"), "inconnu"),
        "ligne en double": (write([*rows, rows[line_of(rows, second.key)]]), "en double"),
        "mesure sans date": (
            edited(indicator.key, "date de la dernière valeur", ""),
            "une mesure sans date",
        ),
        "mesure avant la valeur initiale": (
            edited(indicator.key, "date de la dernière valeur", "2020-12-01"),
            "précède la valeur initiale",
        ),
        "cible égale à la valeur initiale": (
            edited(indicator.key, "cible", "10,5"),
            "la cible est égale à la valeur initiale",
        ),
        "date illisible": (edited(second.key, "échéance", "demain"), "date «\u00a0demain"),
        "latin-1": (
            export(synthesis).decode("utf-8-sig").encode("latin-1", "replace"),
            "n’est pas en UTF-8",
        ),
        "sans identifiant": (b"statut;avancement\nEn cours;3\n", "Colonne «\u00a0identifiant"),
        "vide": (b"", "Le fichier est vide."),
        "classeur": (b"PK\x03\x04\x00\x00binaire", "binaire"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "progression hors bornes",
        "statut inconnu",
        "identifiant inconnu",
        "ligne en double",
        "mesure sans date",
        "mesure avant la valeur initiale",
        "cible égale à la valeur initiale",
        "date illisible",
        "latin-1",
        "sans identifiant",
        "vide",
        "classeur",
    ],
)
def test_a_wrong_file_is_refused_in_french_and_writes_nothing(synthesis, followed, case):
    data, message = bad_files(synthesis, followed)[case]
    _first, _second, _indicator = followed
    before = (
        ActionProgress.objects.count(),
        JournalEntry.objects.count(),
        Measurement.objects.count(),
    )
    with pytest.raises(csvio.CsvError) as refused:
        csvio.import_bytes(data, synthesis=synthesis)
    assert message in "\n".join(refused.value.messages)
    after = (
        ActionProgress.objects.count(),
        JournalEntry.objects.count(),
        Measurement.objects.count(),
    )
    assert after == before


def test_keys_of_another_synthesis_are_refused_from_the_page(
    synthesis, vendee_synthesis, followed, facilitator_client
):
    rows = rows_of(export(vendee_synthesis))
    url = reverse("followup:import_csv", args=[synthesis.slug])
    upload = io.BytesIO(write(rows))
    upload.name = "suivi.csv"
    response = facilitator_client.post(url, {"file": upload})
    assert response.status_code == 200
    assert "Identifiants d’une autre synthèse" in response.content.decode()


def test_the_page_imports_for_facilitators_only(synthesis, followed, facilitator_client):
    _first, second, _indicator = followed
    rows = rows_of(export(synthesis))
    rows[line_of(rows, second.key)][column(rows, "avancement (%)")] = "55"
    url = reverse("followup:import_csv", args=[synthesis.slug])
    upload = io.BytesIO(write(rows))
    upload.name = "suivi.csv"
    response = facilitator_client.post(url, {"file": upload})  # dry_run unticked
    assert response.status_code == 200
    assert "Suivi importé" in response.content.decode()
    assert ActionProgress.objects.get(action=second).progress == 55
    referent = factories.logged_in(factories.referent_of(synthesis))
    assert referent.get(url).status_code == 403


def test_the_commands_export_and_import(synthesis, followed, tmp_path):
    _first, second, _indicator = followed
    path = tmp_path / "suivi.csv"
    call_command("export_followup", synthesis.slug, output=str(path), stdout=io.StringIO())
    rows = rows_of(path.read_bytes())
    rows[line_of(rows, second.key)][column(rows, "statut")] = "Abandonnée"
    path.write_bytes(write(rows))
    out = io.StringIO()
    call_command("import_followup", str(path), "--dry-run", stdout=out)
    assert "Vérification seulement" in out.getvalue()
    assert ActionProgress.objects.get(action=second).status == Status.BLOCKED
    call_command("import_followup", str(path), stdout=io.StringIO())
    stored = ActionProgress.objects.get(action=second)
    assert (stored.status, stored.progress) == (Status.ABANDONED, None)


def test_the_commands_refuse_bad_input_with_a_non_zero_exit(synthesis, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("export_followup", "inconnue", output=str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_followup", str(tmp_path / "absent.csv"))
    (tmp_path / "latin.csv").write_bytes("identifiant;statut\nA-1;Terminée\n".encode("latin-1"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_followup", str(tmp_path / "latin.csv"))


SOFFICE = shutil.which("soffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent")
def test_the_csv_survives_a_libreoffice_round_trip(synthesis, followed, tmp_path):
    """Opened and saved again by LibreOffice Calc (French locale, as a user would): same
    cells (dates kept ISO, decimals with a point, quotes everywhere, no BOM), and an edit
    made in the saved file is imported exactly."""
    first, second, _indicator = followed
    source = tmp_path / "entree" / "suivi.csv"
    source.parent.mkdir()
    source.write_bytes(export(synthesis))
    out = tmp_path / "sortie"
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profil",
            "--headless",
            "--infilter=CSV:59,34,76,1,,1036",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    saved = out / "suivi.csv"
    if not saved.exists():
        pytest.skip(f"LibreOffice Calc absent ou en échec : {completed.stderr[-200:]!r}")
    rows = rows_of(saved.read_bytes())
    assert rows[line_of(rows, first.key)][column(rows, "pilote")] == '\'=HYPERLINK("x")'
    assert not csvio.import_bytes(saved.read_bytes(), synthesis=synthesis).changed
    rows[line_of(rows, second.key)][column(rows, "statut")] = "En cours"
    rows[line_of(rows, second.key)][column(rows, "avancement (%)")] = "45"
    result = csvio.import_bytes(write(rows, bom=False), synthesis=synthesis)
    assert [key for key, _text, _what in result.actions] == [second.key]
    assert ActionProgress.objects.get(action=second).progress == 45
