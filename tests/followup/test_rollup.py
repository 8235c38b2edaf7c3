"""Roll-ups: action → row → thematic → synthesis → region, weighted, with the weights shown."""

import html

import pytest
from django.urls import reverse

from actionplans.followup import Status
from etatsgeneraux.followup import recording, rollup
from etatsgeneraux.followup.recording import ProgressChange

from .helpers import actions_of, page_url

pytestmark = pytest.mark.django_db


def set_progress(synthesis, user, action, status, progress=None, weight=recording.KEEP):
    recording.record_progress(
        synthesis, user, [ProgressChange(action.pk, None, status, progress, weight=weight)]
    )


def first_row(followup):
    return next(row for row in followup.rows if len(row.actions) >= 3)


def test_a_row_is_the_weighted_mean_of_its_actions(synthesis, facilitator):
    row = first_row(rollup.load(synthesis)[synthesis.pk])
    first, second, third, *others = row.actions
    set_progress(synthesis, facilitator, first, Status.DONE, weight=3)
    set_progress(synthesis, facilitator, second, Status.IN_PROGRESS, 20)
    set_progress(synthesis, facilitator, third, Status.ABANDONED)  # not counted
    row = first_row(rollup.load(synthesis)[synthesis.pk])
    # (100 × 3 + 20 + 0 × others) / (3 + 1 + others)
    expected = round((300 + 20) / (4 + len(others)))
    assert (row.progress, row.counted_weight) == (expected, 4 + len(others))


def test_weights_of_zero_leave_a_level_out_and_nothing_counted_is_not_zero(synthesis, facilitator):
    followup = rollup.load(synthesis)[synthesis.pk]
    row = first_row(followup)
    for action in row.actions:
        set_progress(synthesis, facilitator, action, Status.ABANDONED)
    row = first_row(rollup.load(synthesis)[synthesis.pk])
    assert row.progress is None


def test_thematic_weights_and_row_weights_change_the_synthesis_figure(
    synthesis, facilitator, facilitator_client
):
    followup = rollup.load(synthesis)[synthesis.pk]
    section = followup.sections[0]
    for action in section.actions:
        set_progress(synthesis, facilitator, action, Status.DONE)
    equal = rollup.load(synthesis)[synthesis.pk].progress
    assert equal == round(100 / len(followup.sections))
    data = {"version": 0, "weight": 1, "stale_days": 30}
    for item in followup.sections:
        data[f"thematic_{item.number}"] = 4 if item.pk == section.pk else 1
        for row in item.rows:
            data[f"row_{row.pk}"] = 1
    response = facilitator_client.post(reverse("followup:weights", args=[synthesis.slug]), data)
    assert response.status_code == 302
    weighted = rollup.load(synthesis)[synthesis.pk]
    assert weighted.progress == round(400 / (4 + len(followup.sections) - 1))
    assert weighted.settings.stale_days == 30
    page = html.unescape(facilitator_client.get(page_url(synthesis)).content.decode())
    assert f"poids comptés\u00a0: {4 + len(followup.sections) - 1}" in page


def test_the_region_is_the_weighted_mean_of_its_syntheses(synthesis, vendee_synthesis, facilitator):
    for action in actions_of(vendee_synthesis):
        set_progress(vendee_synthesis, facilitator, action, Status.DONE)
    followup, region, progress, weight = rollup.load_page_followup(facilitator, synthesis)
    assert [item.synthesis.pk for item in region] == [synthesis.pk, vendee_synthesis.pk]
    assert (followup.progress, progress, weight) == (0, 50, 2)
