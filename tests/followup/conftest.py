import pytest

from workshops.fixtures import DEMO_SLUGS
from workshops.models import Synthesis


@pytest.fixture
def synthesis(demo_data):
    """The shipped regional synthesis, Pays de la Loire 2020: the role fixtures are of its
    region (the referent: of a new department of it)."""
    return Synthesis.objects.select_related("region").get(slug=DEMO_SLUGS[0])


@pytest.fixture
def vendee_synthesis(demo_data):
    return Synthesis.objects.get(slug=DEMO_SLUGS[1])
