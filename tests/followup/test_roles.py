"""Who reads and who records the follow-up: the platform's rules (workshops.permissions)."""

import pytest

from actionplans.followup import ActionProgress
from tests import factories
from workshops.models import Synthesis

from .helpers import action_url, actions_of, page_url, progress_post

pytestmark = pytest.mark.django_db


def test_a_referent_reads_the_follow_up_but_records_nothing(synthesis, referent_client):
    action = actions_of(synthesis).first()
    page = referent_client.get(page_url(synthesis))
    assert page.status_code == 200
    assert b"Appliquer aux actions coch" not in page.content  # no bulk form
    assert referent_client.post(action_url(synthesis, action), progress_post()).status_code == 403
    assert not ActionProgress.objects.exists()


def test_a_facilitator_of_the_region_records_for_its_departments_syntheses(
    vendee_synthesis, facilitator_client
):
    action = actions_of(vendee_synthesis).first()
    response = facilitator_client.post(action_url(vendee_synthesis, action), progress_post())
    assert response.status_code == 302
    assert ActionProgress.objects.filter(action=action).exists()


def test_a_facilitator_of_another_region_records_nothing(synthesis, vendee_synthesis):
    Synthesis.objects.filter(pk=vendee_synthesis.pk).update(status=Synthesis.Status.DRAFT)
    stranger = factories.logged_in(factories.facilitator_of(factories.SynthesisFactory()))
    action = actions_of(vendee_synthesis).first()
    assert stranger.get(page_url(vendee_synthesis)).status_code == 404
    assert stranger.post(action_url(vendee_synthesis, action), progress_post()).status_code == 404


def test_a_referent_of_the_vendee_sees_its_department_and_region_progress(vendee_synthesis):
    Synthesis.objects.filter(pk=vendee_synthesis.pk).update(status=Synthesis.Status.DRAFT)
    referent = factories.logged_in(factories.referent_of(vendee_synthesis))
    page = referent.get(page_url(vendee_synthesis))
    assert page.status_code == 200
    assert "Avancement de la région académique Pays de la Loire" in page.content.decode()


def test_anonymous_visitors_are_sent_to_log_in_for_a_draft(synthesis, client):
    Synthesis.objects.filter(pk=synthesis.pk).update(status=Synthesis.Status.DRAFT)
    response = client.get(page_url(synthesis))
    assert response.status_code == 302
    assert "/comptes/connexion/" in response["Location"]


def test_staff_records_everything(synthesis, admin_client):
    action = actions_of(synthesis).first()
    assert admin_client.post(action_url(synthesis, action), progress_post()).status_code == 302
