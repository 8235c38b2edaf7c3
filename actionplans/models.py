"""Stage 3 of a workshop (the action plan) and the flagship-proposal sheets.

The follow-up of the action plans (statuses, journal, indicator values) is in followup.py.
"""

import secrets

from django.db import models

from workshops.historical import ContentHistory
from workshops.models import (
    Lever,
    LinkedStatement,
    Positioned,
    Statement,
    Synthesis,
    ThematicSection,
    Versioned,
    unique_position,
)


class Horizon(models.TextChoices):
    SHORT = "court", "Court terme"
    MEDIUM = "moyen", "Moyen terme"
    LONG = "long", "Long terme"


def new_followup_key(prefix):
    """A stable identifier for the follow-up of an action or indicator (CSV, backups):
    kept across moves, imports of the follow-up and backups, unlike the database id."""
    return f"{prefix}-{secrets.token_hex(5).upper()}"


def new_action_key():
    return new_followup_key("A")


def new_indicator_key():
    return new_followup_key("I")


class Effort(models.TextChoices):
    LOW = "faible", "Faible"
    MEDIUM = "moyen", "Moyen"
    HIGH = "fort", "Fort"


class ActionPlanRow(Versioned, Positioned):
    """A row of « Plan d'action pour répondre aux besoins et activer les leviers »."""

    position_scope = "section"

    section = models.ForeignKey(
        ThematicSection,
        on_delete=models.CASCADE,
        related_name="action_plan_rows",
        verbose_name="section thématique",
    )
    thematic_label = models.CharField(
        "thématique telle qu'écrite",
        max_length=200,
        blank=True,
        help_text="Vide : l'intitulé de la section.",
    )
    horizon = models.CharField("horizon", max_length=10, choices=Horizon.choices, blank=True)
    followup_weight = models.PositiveSmallIntegerField(
        "poids dans le suivi",
        default=1,
        help_text="Poids de la ligne dans l'avancement de sa thématique (0 : exclue).",
    )

    history = ContentHistory()

    class Meta(Positioned.Meta):
        verbose_name = "ligne de plan d'action"
        verbose_name_plural = "lignes de plan d'action"
        constraints = [unique_position("section")]

    def __str__(self):
        return f"{self.section} · plan d'action {self.position}"


class Axis(LinkedStatement):
    """An « axe d'amélioration principal » (Quoi): a lever of the same section, or own text."""

    source_model_label = "levier"

    row = models.ForeignKey(
        ActionPlanRow,
        on_delete=models.CASCADE,
        related_name="axes",
        verbose_name="ligne de plan d'action",
    )
    source = models.ForeignKey(
        Lever,
        on_delete=models.RESTRICT,
        related_name="axes",
        null=True,
        blank=True,
        verbose_name="levier",
    )

    class Meta(LinkedStatement.Meta):
        verbose_name = "axe d'amélioration (Quoi)"
        verbose_name_plural = "axes d'amélioration (Quoi)"


class Action(Statement):
    """An « action à mener » (Comment)."""

    row = models.ForeignKey(
        ActionPlanRow, on_delete=models.CASCADE, related_name="actions", verbose_name="ligne"
    )
    key = models.CharField(
        "identifiant de suivi", max_length=20, unique=True, default=new_action_key, editable=False
    )

    history_place_columns = ("row__section__synthesis_id", "row__section__thematic_id")

    class Meta(Statement.Meta):
        verbose_name = "action à mener (Comment)"
        verbose_name_plural = "actions à mener (Comment)"


class Actor(Statement):
    """An « acteur mobilisé » (Qui)."""

    row = models.ForeignKey(
        ActionPlanRow, on_delete=models.CASCADE, related_name="actors", verbose_name="ligne"
    )

    class Meta(Statement.Meta):
        verbose_name = "acteur mobilisé (Qui)"
        verbose_name_plural = "acteurs mobilisés (Qui)"


class Timing(Statement):
    """A free-text « temporalité souhaitée » (Quand), beside the row's horizon."""

    row = models.ForeignKey(
        ActionPlanRow, on_delete=models.CASCADE, related_name="timings", verbose_name="ligne"
    )

    class Meta(Statement.Meta):
        verbose_name = "temporalité (Quand)"
        verbose_name_plural = "temporalités (Quand)"


class Indicator(Statement):
    row = models.ForeignKey(
        ActionPlanRow, on_delete=models.CASCADE, related_name="indicators", verbose_name="ligne"
    )
    key = models.CharField(
        "identifiant de suivi",
        max_length=20,
        unique=True,
        default=new_indicator_key,
        editable=False,
    )

    history_place_columns = ("row__section__synthesis_id", "row__section__thematic_id")

    class Meta(Statement.Meta):
        verbose_name = "indicateur ou facteur de réussite"
        verbose_name_plural = "indicateurs et facteurs de réussite"


class FlagshipProposal(Versioned, Positioned):
    """« Proposition phare / dispositif mis en place / pratique généralisable »."""

    position_scope = "synthesis"

    synthesis = models.ForeignKey(
        Synthesis,
        on_delete=models.CASCADE,
        related_name="flagship_proposals",
        verbose_name="synthèse",
    )
    title = models.CharField("titre", max_length=300)
    summary = models.TextField("résumé de la mesure", blank=True)
    establishments = models.CharField(
        "nombre d'établissements concernés", max_length=300, blank=True
    )
    pupils = models.CharField("nombre d'élèves concernés", max_length=300, blank=True)
    parents = models.CharField("nombre de parents concernés", max_length=300, blank=True)
    teachers = models.CharField("nombre d'enseignants concernés", max_length=300, blank=True)
    territory = models.CharField("territoire concerné", max_length=300, blank=True)
    referent = models.CharField("référent du projet", max_length=300, blank=True)
    means_financial = models.TextField("moyens financiers", blank=True)
    means_human = models.TextField("moyens humains", blank=True)
    means_legal = models.TextField("moyens juridiques", blank=True)
    difficulties = models.TextField("difficultés principales rencontrées", blank=True)
    sustainability_needs = models.TextField(
        "besoins nécessaires pour pérenniser le dispositif", blank=True
    )
    effort = models.CharField(
        "efforts de mise en place", max_length=10, choices=Effort.choices, blank=True
    )
    time_needed = models.CharField(
        "temporalité nécessaire", max_length=10, choices=Horizon.choices, blank=True
    )

    history = ContentHistory()

    class Meta(Positioned.Meta):
        verbose_name = "proposition phare"
        verbose_name_plural = "propositions phares"
        constraints = [unique_position("synthesis")]

    def __str__(self):
        return self.title


# The follow-up models live in their own module; imported here so that Django finds them.
from .followup import (  # noqa: E402, F401
    ActionProgress,
    FollowUpSettings,
    IndicatorTarget,
    JournalEntry,
    Measurement,
)
