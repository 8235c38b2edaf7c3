"""Recording where actions stand: statuses propose a progress, one journal entry per change,
everything in the history, stale saves refused with both versions, archived refused."""

import html

import pytest
from django.urls import reverse

from actionplans.followup import ActionProgress, JournalEntry, Status
from etatsgeneraux.followup import recording
from etatsgeneraux.followup.recording import ProgressChange, StaleFollowUp
from workshops.changes import content_changed

from .helpers import action_url, actions_of, page_url, progress_post

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.TO_START, 0),
        (Status.IN_PROGRESS, 40),  # kept
        (Status.BLOCKED, 40),  # kept
        (Status.DONE, 100),
        (Status.ABANDONED, None),  # out of the roll-ups
    ],
)
def test_a_status_proposes_a_progress(synthesis, facilitator, status, expected):
    action = actions_of(synthesis).first()
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(action.pk, 0, Status.IN_PROGRESS, 40)]
    )
    recording.record_progress(synthesis, facilitator, [ProgressChange(action.pk, None, status)])
    assert ActionProgress.objects.get(action=action).progress == expected


def test_a_facilitator_sets_the_progress_and_writes_a_dated_signed_journal_entry(
    synthesis, facilitator, facilitator_client
):
    action = actions_of(synthesis).first()
    response = facilitator_client.post(
        action_url(synthesis, action),
        progress_post(progress=35, pilot_name="DANE", comment="Premier comité réuni."),
    )
    assert response.status_code == 302
    progress = ActionProgress.objects.get(action=action)
    assert (progress.status, progress.progress, progress.pilot) == ("en-cours", 35, "DANE")
    entry = JournalEntry.objects.get(action=action)
    assert (entry.author, entry.status, entry.progress) == (facilitator, "en-cours", 35)
    assert entry.comment == "Premier comité réuni."
    page = text(facilitator_client.get(action_url(synthesis, action)))
    assert "Premier comité réuni." in page
    assert "En cours, 35\u00a0%" in page


def test_a_correction_is_a_new_entry_never_an_edit(synthesis, facilitator):
    action = actions_of(synthesis).first()
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(action.pk, 0, Status.IN_PROGRESS, 60)]
    )
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(action.pk, 1, Status.IN_PROGRESS, 30)], "Erreur"
    )
    assert list(JournalEntry.objects.filter(action=action).values_list("progress", flat=True)) == [
        30,
        60,
    ]


def test_every_follow_up_change_is_in_the_history_and_signalled(synthesis, facilitator):
    action = actions_of(synthesis).first()
    heard = []

    def hear(synthesis, **kwargs):
        heard.append(synthesis.pk)

    content_changed.connect(hear, dispatch_uid="test-followup-heard")
    try:
        recording.record_progress(
            synthesis, facilitator, [ProgressChange(action.pk, 0, Status.DONE)], "Fini"
        )
    finally:
        content_changed.disconnect(dispatch_uid="test-followup-heard")
    assert heard == [synthesis.pk]
    progress = ActionProgress.history.get(action_id=action.pk)
    assert (progress.history_synthesis_id, progress.history_user) == (synthesis.pk, None)
    entry = JournalEntry.history.get(action_id=action.pk)
    assert entry.history_synthesis_id == synthesis.pk
    assert entry.history_change_reason == recording.FOLLOWUP_REASON


def test_the_history_page_shows_the_journal(synthesis, facilitator, facilitator_client):
    action = actions_of(synthesis).first()
    facilitator_client.post(action_url(synthesis, action), progress_post(progress=20))
    page = text(facilitator_client.get(reverse("history:page", args=[synthesis.slug])))
    assert "Point du journal de suivi ajouté" in page
    assert "Suivi d’une action ajouté" in page
    assert action.text[:40] in page


def test_a_stale_save_is_refused_with_both_versions_shown(synthesis, facilitator_client):
    action = actions_of(synthesis).first()
    url = action_url(synthesis, action)
    facilitator_client.post(url, progress_post(progress=20, pilot_name="Rectorat"))
    # A second form drawn before that save (version 0) is refused: nothing overwritten.
    response = facilitator_client.post(url, progress_post(0, status="bloquee", progress=5))
    assert response.status_code == 200
    page = text(response)
    assert "Quelqu’un a mis à jour cette action entre-temps" in page
    assert "Rectorat" in page  # theirs
    assert 'value="5"' in page  # mine, still in the form
    stored = ActionProgress.objects.get(action=action)
    assert (stored.status, stored.progress) == ("en-cours", 20)
    assert JournalEntry.objects.filter(action=action).count() == 1
    # Saving again, knowingly, keeps mine.
    again = facilitator_client.post(url, progress_post(1, status="bloquee", progress=5))
    assert again.status_code == 302
    assert ActionProgress.objects.get(action=action).status == "bloquee"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"progress": 101}, "L’avancement est compris entre 0 et 100\u00a0%."),
        ({"progress": -1}, "L’avancement est compris entre 0 et 100\u00a0%."),
        ({"progress": "beaucoup"}, "L’avancement est un nombre entier de 0 à 100."),
        (
            {"start_date": "2022-01-01", "due_date": "2021-01-01"},
            "L’échéance précède la date de début.",
        ),
        ({"weight": 500}, "Un poids est compris entre 0 et 100."),
        ({"status": "fini"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_progress_is_refused_in_french_and_writes_nothing(
    synthesis, facilitator_client, fields, message
):
    action = actions_of(synthesis).first()
    response = facilitator_client.post(action_url(synthesis, action), progress_post(**fields))
    assert response.status_code == 200
    assert message in text(response)
    assert not ActionProgress.objects.exists()
    assert not JournalEntry.objects.exists()


def test_bulk_change_writes_one_journal_entry_per_action(synthesis, facilitator_client):
    actions = list(actions_of(synthesis)[:4])
    data = {
        "actions": [action.pk for action in actions],
        "status": "terminee",
        "comment": "Clôturées au comité de juin.",
        **{f"version_{action.pk}": 0 for action in actions},
    }
    response = facilitator_client.post(reverse("followup:bulk", args=[synthesis.slug]), data)
    assert response.status_code == 302
    assert ActionProgress.objects.filter(status="terminee", progress=100).count() == 4
    entries = JournalEntry.objects.filter(action__in=actions)
    assert entries.count() == 4
    assert set(entries.values_list("comment", flat=True)) == {"Clôturées au comité de juin."}
    followed = text(facilitator_client.get(page_url(synthesis)))
    assert "4 actions passées à «\u00a0Terminée\u00a0»" in followed


def test_bulk_change_with_one_stale_action_writes_nothing(synthesis, facilitator):
    actions = list(actions_of(synthesis)[:3])
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(actions[1].pk, 0, Status.IN_PROGRESS, 10)]
    )
    with pytest.raises(StaleFollowUp):
        recording.record_progress(
            synthesis,
            facilitator,
            [ProgressChange(action.pk, 0, Status.DONE) for action in actions],
        )
    assert ActionProgress.objects.filter(status="terminee").count() == 0
    assert JournalEntry.objects.count() == 1


def test_an_archived_synthesis_refuses_follow_up(synthesis, facilitator, facilitator_client):
    for annex in synthesis.annexes.all():
        annex.archive(facilitator)
    synthesis.archive(facilitator)
    action = actions_of(synthesis).first()
    response = facilitator_client.post(action_url(synthesis, action), progress_post())
    assert response.status_code == 403
    assert not ActionProgress.objects.exists()


def test_the_horizon_proposes_a_due_date(synthesis, facilitator_client):
    action = actions_of(synthesis).filter(row__horizon="court").first()
    if action is None:
        row = actions_of(synthesis).first().row
        row.horizon = "court"
        row.save()
        action = actions_of(synthesis).first()
    page = text(facilitator_client.get(action_url(synthesis, action)))
    assert "L’horizon de la ligne propose l’échéance du" in page


def test_a_stale_bulk_change_is_refused_from_the_page(synthesis, facilitator, facilitator_client):
    first, second = actions_of(synthesis)[:2]
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(second.pk, 0, Status.IN_PROGRESS, 10)]
    )
    data = {
        "actions": [first.pk, second.pk],
        "status": "terminee",
        f"version_{first.pk}": 0,
        f"version_{second.pk}": 0,  # the page was drawn before that change
    }
    response = facilitator_client.post(
        reverse("followup:bulk", args=[synthesis.slug]), data, follow=True
    )
    assert "mises à jour entre-temps" in text(response)
    assert not ActionProgress.objects.filter(status="terminee").exists()
