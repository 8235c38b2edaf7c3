"""Every object of a synthesis, in an order loaddata can follow: the fixtures' writer
(`dump_fixtures`), and the key of a synthesis's cached documents."""

import functools
import hashlib

from django.core import serializers

from actionplans.models import FlagshipProposal
from etatsgeneraux.stages import DIAGNOSTIC, STAGES
from workshops.models import (
    Facilitator,
    ParticipantCategory,
    Participation,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Synthesis,
    Thematic,
    ThematicSection,
)


def _stage_models(stage):
    """A stage's rows, then what hangs on them (the RETEX citations, then each column)."""
    yield stage.row_model, "section__synthesis"
    if stage.slug == DIAGNOSTIC:
        yield RetexReference, "row__section__synthesis"
    for cell in stage.cells:
        yield cell.model, "row__section__synthesis"


# Each model with the path from it to its synthesis, in an order loaddata can follow.
CONTENT_MODELS = [
    (Session, "synthesis"),
    (Facilitator, "session__synthesis"),
    (Participation, "session__synthesis"),
    (ThematicSection, "synthesis"),
    (RetexSheet, "synthesis"),
    (RetexLink, "sheet__synthesis"),
    *(item for stage in STAGES.values() for item in _stage_models(stage)),
    (FlagshipProposal, "synthesis"),
]


def synthesis_objects(syntheses):
    """Every object of these syntheses, parents first (annexes after their regional one)."""
    syntheses = sorted(syntheses, key=lambda synthesis: synthesis.parent_id is not None)
    yield from syntheses
    for model, path in CONTENT_MODELS:
        yield from model.objects.filter(**{f"{path}__in": syntheses}).order_by("pk")


def serialize_syntheses(syntheses):
    return serializers.serialize(
        "json",
        synthesis_objects(syntheses),
        indent=2,
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
        ensure_ascii=False,
    )


@functools.cache
def _attnames(model):
    return tuple(f.attname for f in model._meta.concrete_fields)


def _rows(queryset):
    return queryset.order_by("pk").values_list(*_attnames(queryset.model))


def content_fingerprint(syntheses, versions=None):
    """A hash of every row the syntheses' reports may print, one query per table.

    Reads tuples (no model instances), so it stays fast for large syntheses; it covers
    more than one variant prints, so it may invalidate a cached PDF needlessly, never
    keep a stale one. A synthesis printed from a published version (`versions`) counts by
    that version, which never changes, and by the names it prints from the stored rows.
    """
    versions = versions or {}
    ids = sorted(synthesis.pk for synthesis in syntheses if synthesis.pk not in versions)
    digest = hashlib.sha256()
    printed_names = ("region__name", "department__name", "department__code", "parent__title")
    tables = [
        Synthesis.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list(*_attnames(Synthesis), *printed_names),
        _rows(Thematic.objects.all()),
        _rows(ParticipantCategory.objects.all()),
        *(_rows(model.objects.filter(**{f"{path}__in": ids})) for model, path in CONTENT_MODELS),
    ]
    if versions:
        tables.append(
            Synthesis.objects.filter(pk__in=sorted(versions))
            .order_by("pk")
            .values_list("pk", *printed_names)
        )
    for rows in tables:
        digest.update(rows.model._meta.label.encode())
        for row in rows:
            digest.update(repr(row).encode())
    for synthesis_id, version in sorted(versions.items()):
        digest.update(f"version|{synthesis_id}|{version.pk}|{version.number}".encode())
    return digest.hexdigest()
