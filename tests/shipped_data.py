"""Loading the shipped fixtures (fixtures/*.json) fast, test after test.

152 tests start from the real Pays de la Loire synthesis and 350 from the reference data:
Django's `loaddata` takes 0.4 s for them, mostly reading JSON and finding natural keys, every
time. So the first load in a test process is `loaddata` itself, and `load` keeps the rows it
wrote; later loads write those same rows back, pk for pk, with one raw INSERT per table (as
`loaddata` saves: raw, without history) and reset the sequences, in a few milliseconds.

Rows are kept, and written back, only into tables that are empty: a test that made rows of
those models first gets `loaddata` itself, which merges by natural key.
tests/platform/test_shipped_data.py checks that both ways write the same data.
"""

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.management.commands.loaddata import Command as LoadData
from django.db import DEFAULT_DB_ALIAS, connections

# Fixture name -> [(model, fields, rows)], as the first `loaddata` of the process wrote them.
_kept = {}


def load(name, using=DEFAULT_DB_ALIAS):
    kept = _kept.get(name)
    if kept is not None and not any(
        model._base_manager.using(using).exists() for model, *_ in kept
    ):
        _write(kept, using)
        return
    empty_before = {model for model in apps.get_models() if not model._base_manager.exists()}
    command = LoadData()
    call_command(command, name, verbosity=0, database=using)
    if kept is None and command.models <= empty_before:
        _kept[name] = [_rows_of(model, using) for model in _in_registry_order(command.models)]


def forget():
    """Drops the kept rows: the next load of each fixture is `loaddata` again."""
    _kept.clear()


def _in_registry_order(models):
    # Any order does: foreign keys are checked at commit (deferred), on SQLite as on PostgreSQL.
    return [model for model in apps.get_models() if model in models]


def _rows_of(model, using):
    fields = model._meta.local_concrete_fields
    rows = list(
        model._base_manager.using(using)
        .order_by("pk")
        .values_list(*(field.attname for field in fields))
    )
    return model, fields, rows


def _write(kept, using):
    connection = connections[using]
    for model, fields, rows in kept:
        objs = [model(**dict(zip((f.attname for f in fields), row, strict=True))) for row in rows]
        size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
        for start in range(0, len(objs), size):
            model._base_manager._insert(
                objs[start : start + size], fields=fields, raw=True, using=using
            )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, *_ in kept]):
            cursor.execute(sql)
