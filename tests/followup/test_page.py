"""The « État d'avancement » page: its figures, filters, lists, and a constant number of
queries whatever the size of the synthesis."""

import html
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from actionplans.followup import ActionProgress, Status
from etatsgeneraux.devtools.followup_data import fill_followup
from etatsgeneraux.devtools.management.commands.bench_exports import scaled_copy
from etatsgeneraux.followup import recording
from etatsgeneraux.followup.recording import ProgressChange
from tests import factories

from .helpers import actions_of, page_url

pytestmark = pytest.mark.django_db
PAGE_QUERIES = 16


def text(response):
    return html.unescape(response.content.decode())


def test_the_page_uses_the_same_queries_whatever_the_size(
    synthesis, facilitator_client, django_assert_max_num_queries
):
    small = scaled_copy(synthesis, 1, slug="petite")
    large = scaled_copy(synthesis, 4, slug="grande")
    fill_followup(small, weeks=4)
    fill_followup(large, weeks=30)
    counts = []
    for copy in (small, large):
        facilitator_client.get(page_url(copy))  # the session, once
        with django_assert_max_num_queries(PAGE_QUERIES) as captured:
            response = facilitator_client.get(page_url(copy))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_page_shows_bars_counts_and_the_weights(synthesis, facilitator, referent_client):
    action = actions_of(synthesis).first()
    recording.record_progress(
        synthesis, facilitator, [ProgressChange(action.pk, 0, Status.IN_PROGRESS, 50)]
    )
    page = text(referent_client.get(page_url(synthesis)))
    assert "Avancement par thématique et par axe" in page
    assert 'class="fu-bar"' in page
    assert '<th scope="row">En cours</th><td>1</td>' in page.replace(
        '<a href="/syntheses/pays-de-la-loire-2020/suivi/?statut=en-cours#actions">En cours</a>',
        "En cours",
    )
    assert "Poids" in page


def test_filters_keep_the_matching_actions(synthesis, facilitator, facilitator_client):
    first, second = actions_of(synthesis)[:2]
    recording.record_progress(
        synthesis,
        facilitator,
        [
            ProgressChange(first.pk, 0, Status.BLOCKED, 10, pilot_name="Canopé"),
            ProgressChange(second.pk, 0, Status.IN_PROGRESS, 10, pilot_name="DANE"),
        ],
    )
    page = text(facilitator_client.get(page_url(synthesis), {"statut": "bloquee"}))
    assert "Actions (1)" in page
    assert first.text in page
    page = text(facilitator_client.get(page_url(synthesis), {"pilote": "DANE"}))
    assert "Actions (1)" in page
    assert second.text in page
    number = first.row.section.thematic.number
    thematic = facilitator_client.get(f"{page_url(synthesis)}thematiques/{number}/")
    assert thematic.status_code == 200
    assert facilitator_client.get(f"{page_url(synthesis)}thematiques/9/").status_code == 404
    # A hostile filter is ignored, never a 500.
    assert facilitator_client.get(page_url(synthesis), {"statut": "x" * 5000}).status_code == 200
    assert facilitator_client.get(page_url(synthesis), {"page": "99999999999"}).status_code == 200


def test_late_and_stale_actions_are_listed(synthesis, facilitator, facilitator_client):
    late, stale = actions_of(synthesis)[:2]
    today = timezone.localdate()
    recording.record_progress(
        synthesis,
        facilitator,
        [ProgressChange(late.pk, 0, Status.IN_PROGRESS, 10, due_date=today - timedelta(days=3))],
    )
    recording.record_progress(
        synthesis,
        facilitator,
        [ProgressChange(stale.pk, 0, Status.IN_PROGRESS, 10)],
        when=timezone.now() - timedelta(days=90),
    )
    page = text(facilitator_client.get(page_url(synthesis)))
    assert "En retard (1)" in page
    assert "À relancer (1)" in page
    listed = text(facilitator_client.get(page_url(synthesis), {"liste": "relancer"}))
    assert "Actions (1)" in listed
    assert stale.text in listed


def test_a_pilot_may_be_an_account(synthesis, facilitator, facilitator_client):
    pilot = factories.facilitator_of(synthesis)
    get_user_model().objects.filter(pk=pilot.pk).update(first_name="Inès", last_name="Martin")
    action = actions_of(synthesis).first()
    response = facilitator_client.post(
        f"{page_url(synthesis)}actions/{action.key}/",
        {"version": 0, "status": "en-cours", "weight": 1, "pilot_user": pilot.pk},
    )
    assert response.status_code == 302
    assert ActionProgress.objects.get().pilot == "Inès Martin"
    assert "Inès Martin" in text(facilitator_client.get(page_url(synthesis)))
