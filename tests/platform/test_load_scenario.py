"""The load scenario (loadtest/locustfile.py) and its count of lost edits.

The figures come from `make loadtest` against gunicorn; here the scenario runs briefly
against the test server, so that a change to the board's HTML or URLs cannot break it
unnoticed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from etatsgeneraux.devtools.management.commands import prepare_load_test
from etatsgeneraux.devtools.management.commands.check_load_test import lost_edits
from workshops.models import Irritant

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenario(tmp_path, monkeypatch, transactional_db):
    # The test database is as disposable as a « charge » one.
    monkeypatch.setattr(prepare_load_test, "is_load_test_database", lambda: True)
    path = tmp_path / "scenario.json"
    call_command("prepare_load_test", "--output", str(path), verbosity=0)
    return path


def test_the_scenario_is_refused_on_a_database_not_named_for_load_tests(tmp_path, db):
    with pytest.raises(CommandError, match="charge"):
        call_command("prepare_load_test", "--output", str(tmp_path / "scenario.json"))
    assert not (tmp_path / "scenario.json").exists()


def test_the_scenario_file_is_readable_by_its_owner_only(scenario):
    assert scenario.stat().st_mode & 0o077 == 0


@pytest.mark.slow
def test_a_short_run_saves_every_acknowledged_edit(scenario, live_server, tmp_path):
    if connection.vendor == "sqlite":
        # The test server's threads share one in-memory SQLite connection, which concurrent
        # requests break ("another row available"); CI runs this test on PostgreSQL too.
        pytest.skip("plusieurs utilisateurs simultanés : PostgreSQL seulement")
    ledger_path = tmp_path / "ledger.json"
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "loadtest" / "locustfile.py"),
            "--headless",
            "--host",
            live_server.url,
            "--users",
            "6",
            "--spawn-rate",
            "6",
            "--run-time",
            "8s",
            # Requests under way at the end finish and are counted, as in make loadtest.
            "--stop-timeout",
            "5",
            "--only-summary",
        ],
        env={
            **os.environ,
            "LOADTEST_SCENARIO": str(scenario),
            "LOADTEST_LEDGER": str(ledger_path),
            "LOADTEST_MAX_REQUESTS": "400",
            # Think times of 0.15 to 0.75 s: every facilitator gets through each task in 8 s.
            "LOADTEST_PACE": "0.05",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
    assert ledger["added"], "the facilitators saved nothing"
    assert sum(ledger["shared"].values()) + ledger["conflicts"] > 0
    assert ledger["stats"]["page"]["requests"] > 0
    assert ledger["stats"]["page"]["failures"] == 0
    assert lost_edits(json.loads(scenario.read_text(encoding="utf-8")), ledger) == []


def test_an_acknowledged_edit_missing_from_the_database_is_counted_as_lost(scenario):
    shared = json.loads(scenario.read_text(encoding="utf-8"))["shared"]
    statement = Irritant.objects.get(pk=shared[0]["id"])
    added = Irritant.objects.create(row=statement.row, text="Ajout confirmé")
    ledger = {
        "added": {str(added.pk): "Ajout confirmé", "?Ajout perdu": "Ajout perdu"},
        "edited": {str(added.pk): "Texte confirmé mais jamais écrit"},
        "shared": {str(statement.pk): 2},
    }

    lost = lost_edits({"shared": shared}, ledger)

    assert len(lost) == 3
    assert any("Texte confirmé mais jamais écrit" in line for line in lost)
    assert any("2 enregistrement(s) confirmé(s), 0 version(s)" in line for line in lost)


def test_the_scenario_prepares_the_pdf_storm(scenario):
    """`make loadtest LOADTEST_ARGS=--tempete`: five different cold PDFs of a synthesis of
    2 000 statements of 2 000 characters, the size that once took the workers down."""
    storm = json.loads(scenario.read_text(encoding="utf-8"))["storm_pdfs"]
    assert len(set(storm)) == 5
    statements = Irritant.objects.filter(row__section__synthesis__slug="tempete-charge")
    assert statements.count() == prepare_load_test.STORM_STATEMENTS == 2_000
    assert {len(text) for text in statements.values_list("text", flat=True)} == {2_000}
