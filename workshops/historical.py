"""What the history of a synthesis records, whatever path changed it (django-simple-history).

Every content model declares `history = ContentHistory()`: each save and each delete, from
the board, the administration, an import or a shell, adds a historical record through the
model signals, cascaded deletions included. Beside the object's own fields, every record
keeps (`HistoricalContent`):

- the synthesis and the thematic the object belonged to, so that the history of a
  synthesis is one indexed query per table (one UNION), even for the objects whose
  parents are gone;
- for a deletion caused by another one (the statements of a deleted row), the object whose
  deletion took it away, so that restoring a row brings back its statements and nothing else.

The writes that bypass the signals (`QuerySet.update`, `bulk_create`) record themselves with
`record` or `with_history(Model).bulk_create`; `Synthesis.touch` is not recorded (a timestamp,
not a change of content: the change that moved it is). A deletion writes its records (the
object and all it cascades to) in one INSERT per table, and so does a `batch()` block (an
import). Finding the synthesis and thematic of an object walks up to its thematic section
through the parents already loaded with it (no query in the bulk paths), and otherwise asks
the database once per parent, remembering the answer for the rest of a cascaded deletion.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from itertools import groupby

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

# Which foreign key leads from each content model towards its synthesis, for the models
# that do not name their synthesis (and thematic) themselves.
PARENT_FIELDS = ("row", "sheet", "session", "section", "action", "indicator")


class HistoricalContent(models.Model):
    """The fields every historical record of a synthesis's content adds to the object's own."""

    history_synthesis_id = models.BigIntegerField("synthèse", null=True, db_index=True)
    history_thematic_id = models.BigIntegerField("thématique", null=True, blank=True)
    history_deleted_with = models.CharField(
        "supprimé avec",
        max_length=100,
        blank=True,
        default="",
        help_text="L'objet dont la suppression a emporté celui-ci (app.modèle:identifiant).",
    )

    class Meta:
        abstract = True


class _Batch:
    """Records waiting to be written in one INSERT per table, and the places of the parents
    already asked for: one deletion and what it cascades to, or a `batch()` block."""

    def __init__(self, origin, *, synthesis_id=None, explicit=False, pending=None):
        self.origin = origin
        self.explicit = explicit  # opened by `batch()`, closed by it
        self.memo = {"synthesis": synthesis_id} if synthesis_id else {}
        self.pending = pending or []
        self.seen = set()  # the objects announced (pre_delete) in this deletion
        self.closed = False

    def flush(self):
        pending, self.pending = self.pending, []
        pending.sort(key=lambda item: type(item)._meta.label_lower)
        for _label, records in groupby(pending, key=lambda item: type(item)._meta.label_lower):
            records = list(records)
            type(records[0])._default_manager.bulk_create(records)


_batch = ContextVar("history_batch", default=None)
_reason = ContextVar("history_reason", default=None)

# The reasons the platform records (`history_change_reason`), as the history page shows them.
IMPORT = "Import d'un document"
RESTORE = "Restauration"
SHIFT = "Décalage"  # an item that makes room for an inserted one


@contextmanager
def change_reason(reason):
    """Every record of the block gets this reason (when it has none of its own)."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


@contextmanager
def batch(synthesis_id=None):
    """Writes the records of the block in one INSERT per table, at its end (a decorator too).

    For the bulk writes (imports, `QuerySet.delete`), in a transaction; `synthesis_id`, when
    they all belong to one synthesis, lets a cascaded deletion find the places of all its
    parents of a kind in one query. A deletion that starts from one object (`obj.delete()`)
    batches its records by itself.
    """
    state = _Batch(None, synthesis_id=synthesis_id, explicit=True)
    token = _batch.set(state)
    try:
        yield
        state.flush()
    finally:
        state.closed = True
        _batch.reset(token)


def _open_batch():
    state = _batch.get()
    return state if state is not None and state.explicit and not state.closed else None


class ContentHistory(HistoricalRecords):
    """HistoricalRecords for the synthesis and its content: French names, the place of the
    object on every record, and what a cascaded deletion came from."""

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [HistoricalContent])
        super().__init__(**kwargs)

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        options["verbose_name"] = f"historique ({model._meta.verbose_name})"
        options["verbose_name_plural"] = f"historique ({model._meta.verbose_name_plural})"
        return options

    def post_save(self, instance, created, using=None, **kwargs):
        state = _open_batch()
        if state is None or kwargs.get("raw") or hasattr(instance, "skip_history_when_saving"):
            super().post_save(instance, created, using=using, **kwargs)
        elif getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            state.pending.append(self.build_record(instance, "+" if created else "~"))

    def pre_delete(self, instance, origin=None, **kwargs):
        super().pre_delete(instance, origin=origin, **kwargs)
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        state = _batch.get()
        key = object_key(instance)
        if (
            state is None
            or state.closed
            or (not state.explicit and (state.origin is not origin or key in state.seen))
        ):
            # A new deletion (an object seen twice: the last one failed and is tried again).
            hint = origin.pk if _is_synthesis(origin) else None
            state = _Batch(origin, synthesis_id=hint)
            _batch.set(state)
        state.seen.add(key)
        # Now, while its parents still exist: the record is written after the deletion.
        instance._history_place = place_of(instance, memo=state.memo)
        if isinstance(origin, models.Model) and origin is not instance:
            instance._history_deleted_with = object_key(origin)

    def post_delete(self, instance, origin=None, using=None, **kwargs):
        if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return
        state = _batch.get()
        batched = (
            state is not None
            and not state.closed
            and (state.explicit or (state.origin is origin and isinstance(origin, models.Model)))
        )
        if not batched:
            super().post_delete(instance, origin=origin, using=using, **kwargs)
            return
        state.pending.append(self.build_record(instance, "-"))
        if not state.explicit and origin is instance:
            # The object the deletion started from comes last: every record is waiting.
            state.flush()
            state.closed = True

    def build_record(self, instance, history_type):
        """The historical record `create_historical_record` would save, unsaved."""
        # The historical model itself: `instance.history` would build a manager class.
        record = vars(type(instance))[self.manager_name].model(
            history_date=getattr(instance, "_history_date", timezone.now()),
            history_type=history_type,
            history_user=self.get_history_user(instance),
            history_change_reason=self.get_change_reason_for_object(instance, history_type, None),
            **{
                field.attname: getattr(instance, field.attname)
                for field in self.fields_included(instance)
            },
        )
        _fill_place(type(record), instance, record)
        return record


def object_key(obj):
    """« app.model:pk », how a record names the object whose deletion took it away."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def _fill_place(sender, instance, history_instance, **kwargs):
    if not issubclass(sender, HistoricalContent):
        return
    place = getattr(instance, "_history_place", None) or place_of(instance)
    history_instance.history_synthesis_id, history_instance.history_thematic_id = place
    history_instance.history_deleted_with = getattr(instance, "_history_deleted_with", "")
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = _reason.get()


pre_create_historical_record.connect(_fill_place, dispatch_uid="workshops_history_place")


# Where an object belongs ---------------------------------------------------------------------


def _is_synthesis(obj):
    return getattr(type(obj), "history_root", False)


def place_of(obj, memo=None):
    """(synthesis id, thematic id or None) of a synthesis or of an object of its content.

    A model that may know its place itself says so with `own_history_place()` (None: ask
    the parent); the others walk up to the first parent they name (`PARENT_FIELDS`).
    """
    own = getattr(obj, "own_history_place", None)
    place = own() if own is not None else None
    if place is not None:
        return place
    for name in PARENT_FIELDS:
        if hasattr(obj, f"{name}_id"):
            return _parent_place(obj, name, memo)
    return obj.synthesis_id, None  # sessions, flagship proposals


def _parent_place(obj, name, memo):
    field = type(obj)._meta.get_field(name)
    if field.is_cached(obj):
        parent = field.get_cached_value(obj)
        if parent is not None and parent.pk is not None:
            return place_of(parent, memo)
    return _lookup(field.related_model, getattr(obj, field.attname), memo)


def _lookup(model, pk, memo):
    """The place of a parent by its id: the database, else its last historical record."""
    if pk is None:
        return None, None
    label = model._meta.label_lower
    if memo is not None:
        if (label, pk) not in memo and memo.get("synthesis") and (label, "*") not in memo:
            # Deleting a whole synthesis: one query for all its parents of this kind.
            memo[(label, "*")] = True
            path = _synthesis_path(model)
            for found_pk, *place in _places(model).filter(**{path: memo["synthesis"]}):
                memo[(label, found_pk)] = _place(place)
        if (label, pk) in memo:
            return memo[(label, pk)]
    found = _places(model).filter(pk=pk).first()
    found = _last_recorded_place(model, pk) if found is None else _place(found[1:])
    if memo is not None:
        memo[(label, pk)] = found
    return found


def _place_columns(model):
    """The columns holding a parent model's (synthesis, thematic), for its place queries."""
    return getattr(
        model, "history_place_columns", ("section__synthesis_id", "section__thematic_id")
    )


def _synthesis_path(model):
    return _place_columns(model)[0]


def _places(model):
    """(pk, synthesis id[, thematic id]) of the objects of a parent model."""
    return model._default_manager.order_by().values_list("pk", *_place_columns(model))


def _place(values):
    return (values[0], values[1] if len(values) > 1 else None)


def _last_recorded_place(model, pk):
    history = getattr(model, "history", None)
    if history is None:
        return None, None
    found = (
        history.filter(id=pk)
        .order_by("-history_id")
        .values_list("history_synthesis_id", "history_thematic_id")
        .first()
    )
    return found or (None, None)


# Writes that bypass the signals --------------------------------------------------------------


def record(objs, *, changed=True, reason=None):
    """Adds a record for each object, as it is now: a change (`changed`) or a creation.

    For the writes made with `QuerySet.update` or `bulk_create`, which send no signal; the
    user is the one of the current request, as for the other records. In a `batch()` block,
    the records wait for its end.
    """
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    state = _open_batch()
    memo = state.memo if state is not None else {}
    now = timezone.now()
    reason = reason or _reason.get()
    records = []
    for obj in objs:
        historical = vars(type(obj))["history"].model
        place = getattr(obj, "_history_place", None) or place_of(obj, memo)
        records.append(
            historical(
                history_date=now,
                history_type="~" if changed else "+",
                history_user=historical.get_default_history_user(obj),
                history_change_reason=reason,
                history_synthesis_id=place[0],
                history_thematic_id=place[1],
                **{
                    field.attname: getattr(obj, field.attname)
                    for field in historical.tracked_fields
                },
            )
        )
    if state is not None:
        state.pending.extend(records)
    else:
        _Batch(None, explicit=True, pending=records).flush()


def bulk_create(model, objs, *, reason=None):
    """`model.objects.bulk_create(objs)`, with a creation record for each object."""
    created = model._default_manager.bulk_create(list(objs))
    record(created, changed=False, reason=reason)
    return created


class with_history:  # reads as a manager: with_history(Model).bulk_create(...)
    """`with_history(Model).bulk_create(objs)`: `bulk_create` with the creation records."""

    def __init__(self, model, *, reason=None):
        self.model = model
        self.reason = reason

    def bulk_create(self, objs):
        return bulk_create(self.model, objs, reason=self.reason)
