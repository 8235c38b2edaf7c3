import pytest


@pytest.fixture
def synthesis(vendee):
    """The pages are tried on the shipped data: the facilitator is one of Pays de la Loire,
    the referent one of the Vendée."""
    return vendee
