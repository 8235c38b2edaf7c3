"""Who may read and edit which synthesis: the rules the views of the platform rely on."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from tests import factories
from workshops.models import Membership, Synthesis

pytestmark = pytest.mark.django_db


@pytest.fixture
def syntheses():
    """A region with a draft regional synthesis and two departmental drafts, and others."""
    regional = factories.SynthesisFactory(status=Synthesis.Status.DRAFT)
    own, other = (
        factories.DepartmentalSynthesisFactory(
            parent=regional, region=regional.region, status=Synthesis.Status.DRAFT
        )
        for _ in range(2)
    )
    return SimpleNamespace(
        regional=regional,
        own=own,
        other=other,
        elsewhere=factories.SynthesisFactory(status=Synthesis.Status.DRAFT),
        published=factories.SynthesisFactory(),
    )


def visible(user):
    return set(Synthesis.objects.visible_to(user))


def editable(user):
    return set(Synthesis.objects.editable_by(user))


def test_anonymous_visitors_read_published_syntheses_only(syntheses):
    assert visible(AnonymousUser()) == {syntheses.published}
    assert editable(AnonymousUser()) == set()


def test_a_facilitator_reads_and_edits_the_syntheses_of_the_region(syntheses):
    s = syntheses
    user = factories.FacilitatorMembershipFactory(region=s.regional.region).user
    assert visible(user) == {s.regional, s.own, s.other, s.published}
    assert editable(user) == {s.regional, s.own, s.other}


def test_a_referent_reads_the_department_and_the_region_but_edits_nothing(syntheses):
    s = syntheses
    user = factories.ReferentMembershipFactory(department=s.own.department).user
    assert visible(user) == {s.regional, s.own, s.published}
    assert editable(user) == set()


def test_a_user_with_several_roles_gets_all_of_them(syntheses):
    s = syntheses
    user = factories.ReferentMembershipFactory(department=s.own.department).user
    factories.FacilitatorMembershipFactory(user=user, region=s.elsewhere.region)
    assert visible(user) == {s.regional, s.own, s.elsewhere, s.published}
    assert editable(user) == {s.elsewhere}


def test_staff_read_and_edit_everything(syntheses):
    user = factories.UserFactory(is_staff=True)
    everything = set(vars(syntheses).values())
    assert visible(user) == everything
    assert editable(user) == everything


def test_a_user_without_a_role_reads_like_an_anonymous_visitor(syntheses):
    user = factories.UserFactory()
    assert visible(user) == {syntheses.published}
    assert editable(user) == set()


def test_a_role_matches_its_territory():
    wrong = Membership(
        user=factories.UserFactory(),
        role=Membership.Role.REFERENT,
        region=factories.RegionFactory(),
    )
    with pytest.raises(ValidationError) as error:
        wrong.full_clean()
    assert "un référent à un département" in " ".join(error.value.messages)


def test_a_role_is_held_once_per_territory():
    membership = factories.FacilitatorMembershipFactory()
    duplicate = Membership(user=membership.user, role=membership.role, region=membership.region)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "anime déjà cette région" in " ".join(error.value.messages)
