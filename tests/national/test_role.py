import pytest
from django.db import IntegrityError

from tests import factories
from workshops.models import Membership, Synthesis
from workshops.permissions import is_national_team, may_edit, may_read

pytestmark = pytest.mark.django_db


def test_the_national_team_reads_every_draft_and_edits_none(national_user):
    draft = factories.SynthesisFactory(status=Synthesis.Status.DRAFT)
    assert may_read(national_user, draft)
    assert not may_edit(national_user, draft)
    assert is_national_team(national_user)


def test_the_national_team_does_not_read_archived_syntheses(national_user):
    archived = factories.SynthesisFactory()
    Synthesis.objects.filter(pk=archived.pk).update(archived_at="2021-01-01T00:00:00Z")
    assert not Synthesis.objects.visible_to(national_user).filter(pk=archived.pk).exists()


def test_a_national_membership_has_no_territory(national_user):
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=factories.UserFactory(),
            role=Membership.Role.NATIONAL,
            region=factories.RegionFactory(),
        )


def test_a_facilitator_is_not_the_national_team(facilitator):
    assert not is_national_team(facilitator)
