import pytest
from django.core.management import call_command

from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE


@pytest.fixture
def reference_data(db):
    call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)


@pytest.fixture
def demo_data(reference_data):
    """The real Pays de la Loire synthesis and its Vendée annex, as shipped."""
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "x" * 12)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
