"""Stage 3 of a workshop (the action plan) and the flagship-proposal sheets.

The follow-up of the action plans (statuses, journal, indicator values) is in followup.py.
"""

import secrets

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
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

from .horizons import Horizon


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


# The national layer ------------------------------------------------------------------------
#
# A regional statement is named by its kind (a column's slug in etatsgeneraux/stages.py,
# « retex » for a RETEX sheet, « proposition-phare » for a flagship proposal) and its id:
# one name for the ten statement tables, which the search index, the tags and the groups share.


class NationalProposal(models.Model):
    """One of the national proposals that the national team writes from the regional syntheses,
    under the axis of its thematic (the 40 proposals of 2020 follow the five thematics)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "En préparation"
        ADOPTED = "adopted", "Retenue"
        WITHDRAWN = "withdrawn", "Abandonnée"

    number = models.PositiveSmallIntegerField("numéro", unique=True)
    thematic = models.ForeignKey(
        "workshops.Thematic",
        on_delete=models.PROTECT,
        related_name="national_proposals",
        verbose_name="axe (thématique)",
    )
    title = models.CharField("intitulé", max_length=300)
    text = models.TextField("texte", blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "proposition nationale"
        verbose_name_plural = "propositions nationales"
        ordering = ["number"]

    def __str__(self):
        return f"Proposition {self.number} – {self.title}"


class StatementRef(models.Model):
    """A regional statement, named by its kind and id, in the synthesis it belongs to."""

    kind = models.CharField("nature", max_length=30)
    object_id = models.PositiveIntegerField("identifiant de l’énoncé")
    synthesis = models.ForeignKey(
        Synthesis, on_delete=models.CASCADE, related_name="+", verbose_name="synthèse"
    )

    class Meta:
        abstract = True


class StatementTag(StatementRef):
    """A regional statement supports a national proposal (many to many)."""

    proposal = models.ForeignKey(
        NationalProposal,
        on_delete=models.CASCADE,
        related_name="tags",
        verbose_name="proposition nationale",
    )
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rattaché par",
    )
    tagged_at = models.DateTimeField("rattaché le", auto_now_add=True)

    class Meta:
        verbose_name = "rattachement à une proposition nationale"
        verbose_name_plural = "rattachements aux propositions nationales"
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "kind", "object_id"], name="actionplans_statementtag_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self):
        return f"{self.kind} {self.object_id} → {self.proposal_id}"


class StatementGroup(models.Model):
    """Statements of several regions that say the same thing, as a person confirmed them."""

    name = models.CharField("nom", max_length=300)
    thematic = models.ForeignKey(
        "workshops.Thematic",
        on_delete=models.PROTECT,
        related_name="statement_groups",
        verbose_name="thématique",
    )
    proposal = models.ForeignKey(
        NationalProposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="groups",
        verbose_name="proposition nationale",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="confirmé par",
    )
    confirmed_at = models.DateTimeField("confirmé le", auto_now_add=True)

    class Meta:
        verbose_name = "groupe d’énoncés semblables"
        verbose_name_plural = "groupes d’énoncés semblables"
        ordering = ["thematic__number", "name"]

    def __str__(self):
        return self.name


class GroupMember(StatementRef):
    group = models.ForeignKey(
        StatementGroup, on_delete=models.CASCADE, related_name="members", verbose_name="groupe"
    )

    class Meta:
        verbose_name = "énoncé du groupe"
        verbose_name_plural = "énoncés du groupe"
        constraints = [
            models.UniqueConstraint(
                fields=["group", "kind", "object_id"], name="actionplans_groupmember_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id}"


class IndexedStatement(models.Model):
    """The search index: one row per regional statement, RETEX sheet and flagship proposal,
    with what the national search filters and counts on.

    Derived data, rebuilt by `rebuild_search_index` and kept in sync on every change of a
    synthesis (etatsgeneraux.national.index). PostgreSQL searches `vector` (a GIN index,
    French configuration with unaccent); SQLite searches `terms` (the stemmed words) through
    an FTS5 table that triggers keep in step. Both are created by migration 0005.
    """

    kind = models.CharField("nature", max_length=30)
    object_id = models.PositiveIntegerField("identifiant de l’énoncé")
    synthesis = models.ForeignKey(
        Synthesis, on_delete=models.CASCADE, related_name="+", verbose_name="synthèse"
    )
    region = models.ForeignKey(
        "workshops.Region", on_delete=models.CASCADE, related_name="+", verbose_name="région"
    )
    department = models.ForeignKey(
        "workshops.Department",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name="département",
    )
    thematic = models.ForeignKey(
        "workshops.Thematic",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name="thématique",
    )
    stage = models.CharField("étape", max_length=30, blank=True)
    emphasised = models.BooleanField("mis en avant", default=False)
    text = models.TextField("texte")
    rank = models.PositiveIntegerField("ordre dans la synthèse", default=0)
    terms = models.TextField("mots racinisés (SQLite)", blank=True)
    vector = SearchVectorField("vecteur de recherche (PostgreSQL)", null=True)

    class Meta:
        verbose_name = "énoncé indexé"
        verbose_name_plural = "énoncés indexés"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="actionplans_indexedstatement_unique"
            )
        ]
        indexes = [models.Index(fields=["thematic", "kind"])]

    def __str__(self):
        return self.text[:80]


# The follow-up models live in their own module; imported here so that Django finds them.
from .followup import (  # noqa: E402, F401
    ActionProgress,
    FollowUpSettings,
    IndicatorTarget,
    JournalEntry,
    Measurement,
)
