"""Every object of a synthesis, in an order loaddata can follow: the fixtures' writer
(`dump_fixtures`), and the key of a synthesis's cached documents."""

from django.core import serializers

from actionplans.models import FlagshipProposal
from etatsgeneraux.stages import DIAGNOSTIC, STAGES
from workshops.models import (
    Facilitator,
    Participation,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
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
