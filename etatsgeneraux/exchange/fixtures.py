"""Every object of a synthesis, in an order loaddata can follow: the fixtures' writer
(`dump_fixtures`), and the key of a synthesis's cached documents."""

from django.core import serializers

from actionplans.models import (
    Action,
    ActionPlanRow,
    Actor,
    Axis,
    FlagshipProposal,
    Indicator,
    Timing,
)
from workshops.models import (
    DiagnosticRow,
    Facilitator,
    Irritant,
    Lever,
    MainIrritant,
    Need,
    Participation,
    ProjectionRow,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Strength,
    ThematicSection,
)

# Each model with the path from it to its synthesis, in an order loaddata can follow.
CONTENT_MODELS = [
    (Session, "synthesis"),
    (Facilitator, "session__synthesis"),
    (Participation, "session__synthesis"),
    (ThematicSection, "synthesis"),
    (RetexSheet, "synthesis"),
    (RetexLink, "sheet__synthesis"),
    (DiagnosticRow, "section__synthesis"),
    (RetexReference, "row__section__synthesis"),
    (Irritant, "row__section__synthesis"),
    (Strength, "row__section__synthesis"),
    (ProjectionRow, "section__synthesis"),
    (MainIrritant, "row__section__synthesis"),
    (Need, "row__section__synthesis"),
    (Lever, "row__section__synthesis"),
    (ActionPlanRow, "section__synthesis"),
    (Axis, "row__section__synthesis"),
    (Action, "row__section__synthesis"),
    (Actor, "row__section__synthesis"),
    (Timing, "row__section__synthesis"),
    (Indicator, "row__section__synthesis"),
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
