"""backup_synthesis / restore_synthesis round-trip the follow-up exactly: stable identifiers,
statuses, journal, indicator values, measurements and weights."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from actionplans.followup import ActionProgress, FollowUpSettings, JournalEntry, Status
from actionplans.models import Action, ActionPlanRow, Indicator
from etatsgeneraux.exchange.followup_part import followup_document
from etatsgeneraux.followup import recording
from etatsgeneraux.followup.recording import ProgressChange
from workshops.models import Synthesis

from .helpers import actions_of, indicators_of

pytestmark = pytest.mark.django_db


def run(*args, **options):
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO(), **options)


@pytest.fixture
def followed(vendee_synthesis, facilitator):
    synthesis = vendee_synthesis
    first, second = actions_of(synthesis)[:2]
    recording.record_progress(
        synthesis,
        facilitator,
        [
            ProgressChange(first.pk, 0, Status.IN_PROGRESS, 30, pilot_name="DSDEN 85", weight=2),
            ProgressChange(second.pk, 0, Status.ABANDONED, pilot_name="", pilot_user=facilitator),
        ],
        "Point de rentrée",
    )
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(first.pk, 1, Status.BLOCKED, 30)], "Budget gelé"
    )
    indicator = indicators_of(synthesis).first()
    recording.set_indicator(
        synthesis,
        indicator.pk,
        0,
        {
            "unit": "établissements",
            "initial_value": Decimal("12.5"),
            "initial_date": date(2021, 1, 4),
            "target_value": Decimal(40),
            "target_date": date(2022, 6, 30),
        },
    )
    for day, value in ((date(2021, 2, 1), 14), (date(2021, 3, 1), Decimal("17.25"))):
        recording.record_measurement(synthesis, facilitator, indicator.pk, day, value)
    recording.set_weights(
        synthesis,
        expected_version=0,
        weight=3,
        stale_days=21,
        thematic_weights={1: 2},
        rows={first.row_id: 4},
    )
    return synthesis


def test_the_follow_up_round_trips_exactly(followed, tmp_path):
    before = followup_document(followed)
    keys = set(
        Action.objects.filter(row__section__synthesis=followed).values_list("key", flat=True)
    )
    path = tmp_path / "vendee.json"
    run("backup_synthesis", followed.slug, output=str(path))
    content = json.loads(path.read_text())["content"]
    assert content["followup"] == before
    run("restore_synthesis", str(path), "--replace")
    synthesis = Synthesis.objects.get(slug=followed.slug)
    assert followup_document(synthesis) == before
    restored = set(
        Action.objects.filter(row__section__synthesis=synthesis).values_list("key", flat=True)
    )
    assert restored == keys
    assert FollowUpSettings.objects.get(synthesis=synthesis).stale_days == 21
    assert ActionPlanRow.objects.filter(section__synthesis=synthesis, followup_weight=4).exists()
    # In the history, as a restoration.
    assert (
        JournalEntry.history.filter(
            history_synthesis_id=synthesis.pk,
            history_type="+",
            history_change_reason="Restauration",
        ).exists()
        or JournalEntry.history.filter(history_synthesis_id=synthesis.pk).count() >= 4
    )


def test_a_restore_into_an_empty_database_keeps_identifiers_and_follow_up(followed, tmp_path):
    before = followup_document(followed)
    path = tmp_path / "vendee.json"
    run("backup_synthesis", followed.slug, output=str(path))
    followed.delete()
    run("restore_synthesis", str(path))
    synthesis = Synthesis.objects.get(slug=followed.slug)
    assert followup_document(synthesis) == before
    assert ActionProgress.objects.filter(action__row__section__synthesis=synthesis).count() == 2


def test_an_older_backup_without_follow_up_still_restores(followed, tmp_path):
    path = tmp_path / "vendee.json"
    run("backup_synthesis", followed.slug, output=str(path))
    data = json.loads(path.read_text())
    del data["content"]["followup"]
    path.write_text(json.dumps(data))
    run("restore_synthesis", str(path), "--replace")
    synthesis = Synthesis.objects.get(slug=followed.slug)
    assert not ActionProgress.objects.filter(action__row__section__synthesis=synthesis).exists()
    assert Indicator.objects.filter(row__section__synthesis=synthesis).exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda part: part["actions"][0].update(position=999), "aucune action à cette place"),
        (
            lambda part: part["actions"][1].update(key=part["actions"][0]["key"]),
            "en double",
        ),
        (
            lambda part: part["actions"][0]["progress"].update(progress=140),
            "un nombre entier de 0 à 100 est attendu",
        ),
        (
            lambda part: part["actions"][0]["progress"].update(status="fini"),
            "statut inconnu",
        ),
        (
            lambda part: part["indicators"][0]["measurements"][0].update(value="beaucoup"),
            "un nombre écrit en texte",
        ),
        (lambda part: part.update(extra=1), "clé inconnue"),
    ],
)
def test_a_wrong_follow_up_part_is_refused_and_writes_nothing(followed, tmp_path, edit, message):
    path = tmp_path / "vendee.json"
    run("backup_synthesis", followed.slug, output=str(path))
    data = json.loads(path.read_text())
    followed_first = next(
        item for item in data["content"]["followup"]["actions"] if item["progress"]
    )
    data["content"]["followup"]["actions"].remove(followed_first)
    data["content"]["followup"]["actions"].insert(0, followed_first)
    edit(data["content"]["followup"])
    path.write_text(json.dumps(data))
    before = followup_document(followed)
    with pytest.raises(CommandError) as refused:
        run("restore_synthesis", str(path), "--replace")
    assert message in str(refused.value)
    assert followup_document(Synthesis.objects.get(slug=followed.slug)) == before


def test_re_importing_a_document_keeps_the_follow_up_of_unchanged_actions(followed, facilitator):
    from etatsgeneraux.exchange.documents import (
        plan_content,
        replace_synthesis_content,
        synthesis_document,
    )
    from workshops.changes import changing

    document = synthesis_document(followed)
    first = actions_of(followed).first()
    changed = next(
        row
        for section in document["sections"]
        for row in section["action_plan"]
        for statement in row["actions"]
        if (statement if isinstance(statement, str) else statement["text"]) == first.text
    )
    changed["actions"] = ["Une action réécrite", *changed["actions"][1:]]
    keys = dict(Action.objects.filter(row__section__synthesis=followed).values_list("text", "key"))
    with changing(followed, lock=True):
        replace_synthesis_content(followed, plan_content(followed, document))
    after = dict(Action.objects.filter(row__section__synthesis=followed).values_list("text", "key"))
    assert after.pop("Une action réécrite") != keys.pop(first.text)
    assert after == keys  # every other action keeps its identifier
    second = actions_of(followed)[1]
    assert ActionProgress.objects.get(action=second).status == Status.ABANDONED
    assert JournalEntry.objects.filter(action=second).count() == 1
    assert not ActionProgress.objects.filter(action__text="Une action réécrite").exists()
