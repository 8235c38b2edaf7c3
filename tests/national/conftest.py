import pytest

from etatsgeneraux.national import index
from tests import factories
from workshops.models import Membership


@pytest.fixture
def national_user(db):
    user = factories.UserFactory(username="nationale")
    Membership.objects.create(user=user, role=Membership.Role.NATIONAL)
    return user


@pytest.fixture
def national_client(national_user):
    return factories.logged_in(national_user)


@pytest.fixture
def indexed_demo(demo_data):
    """The shipped Pays de la Loire data, indexed (fixtures load without signals)."""
    index.rebuild()
