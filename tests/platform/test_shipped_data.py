"""The `reference_data` and `demo_data` fixtures write what Django's `loaddata` writes
(tests/shipped_data.py), whether they load the fixture or write back the rows they kept."""

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import transaction

from tests import factories, shipped_data
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Synthesis, Thematic

pytestmark = pytest.mark.django_db


def database():
    """Every row of every model, by natural key where there is one (pks of reference rows
    come from the sequences on PostgreSQL)."""
    return {
        model._meta.label: serializers.serialize(
            "json",
            model._base_manager.order_by("pk"),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
        for model in apps.get_models()
    }


def loaded(load):
    with transaction.atomic():
        load(REFERENCE_FIXTURE)
        load(DEMO_FIXTURE)
        rows = database()
        transaction.set_rollback(True)
    return rows


def test_the_rows_written_back_are_those_loaddata_writes():
    shipped_data.forget()
    expected = loaded(lambda name: call_command("loaddata", name, verbosity=0))
    assert Synthesis.objects.count() == 0
    first, again = loaded(shipped_data.load), loaded(shipped_data.load)  # loaded, written back
    assert first == expected
    assert again == expected
    # Sequences follow: a new row gets a new pk.
    with transaction.atomic():
        shipped_data.load(REFERENCE_FIXTURE)
        assert factories.ThematicFactory(number=99).pk > max(
            Thematic.objects.exclude(number=99).values_list("pk", flat=True)
        )
        transaction.set_rollback(True)


def test_tables_already_holding_rows_get_loaddata_itself():
    thematic = factories.ThematicFactory(number=1, title="Titre d'avant")
    shipped_data.load(REFERENCE_FIXTURE)
    thematic.refresh_from_db()
    assert thematic.title != "Titre d'avant"  # updated by its natural key, as loaddata does
    assert Thematic.objects.filter(number=1).count() == 1
