"""The follow-up of an action plan: where each action stands, its journal, indicator values.

An action without `ActionProgress` is « À lancer » at 0 %; the row appears on its first
recorded change. Journal entries and measurements are never edited: a correction is a new
entry (the latest one counts). Every write goes through `workshops.changes.changing` (see
etatsgeneraux/followup/recording.py), so every change is in the history.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from workshops.historical import ContentHistory
from workshops.models import Synthesis, Versioned

from .horizons import HORIZON_YEARS

MAX_WEIGHT = 100
WEIGHT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(MAX_WEIGHT)]
PROGRESS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
# Values of indicators: up to a billion, with up to four decimals (a rate, a count, euros).
VALUE_DIGITS = {"max_digits": 14, "decimal_places": 4}
DEFAULT_STALE_DAYS = 60


class Status(models.TextChoices):
    TO_START = "a-lancer", "À lancer"
    IN_PROGRESS = "en-cours", "En cours"
    BLOCKED = "bloquee", "Bloquée"
    DONE = "terminee", "Terminée"
    ABANDONED = "abandonnee", "Abandonnée"


def proposed_progress(status, current):
    """The progress a status proposes: 0 %, kept, kept, 100 %, None (out of the roll-ups)."""
    if status == Status.TO_START:
        return 0
    if status == Status.DONE:
        return 100
    if status == Status.ABANDONED:
        return None
    return current or 0


def proposed_due_date(horizon, start):
    """The due date a row's horizon proposes: one, three or five years after the start."""
    years = HORIZON_YEARS.get(horizon)
    if years is None or start is None:
        return None
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


class ActionProgress(Versioned):
    """Where an action (Comment) stands: its status, progress, pilot and dates."""

    action = models.OneToOneField(
        "actionplans.Action",
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name="action",
    )
    status = models.CharField(
        "statut", max_length=12, choices=Status.choices, default=Status.TO_START
    )
    progress = models.PositiveSmallIntegerField(
        "avancement (%)",
        null=True,
        blank=True,
        validators=PROGRESS_VALIDATORS,
        help_text=(
            "Vide pour une action abandonnée\u00a0: elle ne compte plus dans les avancements."
        ),
    )
    pilot_name = models.CharField("pilote", max_length=200, blank=True)
    pilot_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="pilote (compte)",
    )
    start_date = models.DateField("date de début", null=True, blank=True)
    due_date = models.DateField(
        "échéance",
        null=True,
        blank=True,
        help_text="Proposée d'après l'horizon de la ligne\u00a0: court terme 1 an après le début, "
        "moyen terme 3 ans, long terme 5 ans.",
    )
    weight = models.PositiveSmallIntegerField(
        "poids", default=1, validators=WEIGHT_VALIDATORS, help_text="0 : exclue des avancements."
    )
    updated_at = models.DateTimeField("dernier point", default=timezone.now)

    history = ContentHistory()

    class Meta:
        verbose_name = "suivi d'une action"
        verbose_name_plural = "suivis des actions"
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="actionplans_actionprogress_progress_percent",
                violation_error_message="L'avancement est compris entre 0 et 100 %.",
            ),
        ]

    def __str__(self):
        return f"{self.action} · {self.get_status_display()}"

    @property
    def pilot(self):
        if self.pilot_user_id:
            user = self.pilot_user
            return user.get_full_name() or user.get_username()
        return self.pilot_name

    def clean(self):
        super().clean()
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValidationError({"due_date": "L'échéance précède la date de début."})
        if self.status == Status.ABANDONED:
            self.progress = None
        elif self.progress is None:
            raise ValidationError({"progress": "Indiquez l'avancement (de 0 à 100 %)."})


class JournalEntry(models.Model):
    """« Où en est-on ? »: a dated point on an action, never edited (a correction is a new
    entry)."""

    action = models.ForeignKey(
        "actionplans.Action",
        on_delete=models.CASCADE,
        related_name="journal",
        verbose_name="action",
    )
    created_at = models.DateTimeField("date", default=timezone.now, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    author_name = models.CharField(
        "auteur (nom)",
        max_length=150,
        blank=True,
        help_text="Le nom de l'auteur tel qu'au moment du point (gardé si le compte disparaît).",
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(
        "avancement (%)", null=True, blank=True, validators=PROGRESS_VALIDATORS
    )
    comment = models.TextField("commentaire", blank=True)

    history = ContentHistory()

    class Meta:
        verbose_name = "point du journal de suivi"
        verbose_name_plural = "journal de suivi"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "-created_at"], name="actionplans_journal_last")]

    def __str__(self):
        return f"{self.action} · {self.created_at:%d/%m/%Y}"


class IndicatorTarget(Versioned):
    """What an indicator measures: unit, initial value and target, each with its date.

    A qualitative indicator keeps its text and gets dated notes only.
    """

    indicator = models.OneToOneField(
        "actionplans.Indicator",
        on_delete=models.CASCADE,
        related_name="target",
        verbose_name="indicateur",
    )
    qualitative = models.BooleanField(
        "qualitatif", default=False, help_text="Suivi par des notes datées, sans valeurs."
    )
    unit = models.CharField("unité", max_length=50, blank=True)
    initial_value = models.DecimalField("valeur initiale", null=True, blank=True, **VALUE_DIGITS)
    initial_date = models.DateField("date de la valeur initiale", null=True, blank=True)
    target_value = models.DecimalField("cible", null=True, blank=True, **VALUE_DIGITS)
    target_date = models.DateField("date de la cible", null=True, blank=True)

    history = ContentHistory()

    class Meta:
        verbose_name = "valeurs d'un indicateur"
        verbose_name_plural = "valeurs des indicateurs"

    def __str__(self):
        return str(self.indicator)

    def clean(self):
        super().clean()
        errors = {}
        if self.qualitative:
            return
        if (self.initial_value is None) != (self.initial_date is None):
            errors["initial_date"] = "La valeur initiale et sa date vont ensemble."
        if (self.target_value is None) != (self.target_date is None):
            errors["target_date"] = "La cible et sa date vont ensemble."
        if (
            self.initial_value is not None
            and self.target_value is not None
            and self.initial_value == self.target_value
        ):
            errors["target_value"] = (
                "La cible est égale à la valeur initiale\u00a0: "
                "l’avancement ne peut pas se calculer."
            )
        if self.initial_date and self.target_date and self.target_date < self.initial_date:
            errors["target_date"] = "La date de la cible précède celle de la valeur initiale."
        if errors:
            raise ValidationError(errors)


def indicator_progress(initial, target, current):
    """(current − initial) / (target − initial) in %, rounded, or None when it cannot be
    computed. Not clamped: beyond the target shows above 100 %, a fall below 0 %."""
    if initial is None or target is None or current is None or target == initial:
        return None
    return round((Decimal(current) - initial) / (target - initial) * 100)


class Measurement(models.Model):
    """A dated value of an indicator (or a dated note, for a qualitative one); never edited."""

    indicator = models.ForeignKey(
        "actionplans.Indicator",
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name="indicateur",
    )
    date = models.DateField("date")
    value = models.DecimalField("valeur", null=True, blank=True, **VALUE_DIGITS)
    note = models.TextField("note", blank=True)
    recorded_at = models.DateTimeField("saisie le", default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )

    history = ContentHistory()

    class Meta:
        verbose_name = "mesure d'un indicateur"
        verbose_name_plural = "mesures des indicateurs"
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["indicator", "date"], name="actionplans_measure_date")]

    def __str__(self):
        return f"{self.indicator} · {self.date:%d/%m/%Y}"


class FollowUpSettings(Versioned):
    """A synthesis's follow-up settings: its weight in its region, the thematics' weights,
    and after how many days without news an action is « à relancer »."""

    synthesis = models.OneToOneField(
        Synthesis,
        on_delete=models.CASCADE,
        related_name="followup_settings",
        verbose_name="synthèse",
    )
    weight = models.PositiveSmallIntegerField(
        "poids dans la région",
        default=1,
        validators=WEIGHT_VALIDATORS,
        help_text="Poids de cette synthèse dans l'avancement de sa région académique.",
    )
    thematic_weights = models.JSONField(
        "poids des thématiques",
        default=dict,
        blank=True,
        help_text="{numéro de la thématique\u00a0: poids}\u00a0; une thématique absente pèse 1.",
    )
    stale_days = models.PositiveSmallIntegerField(
        "à relancer après (jours)",
        default=DEFAULT_STALE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )

    history = ContentHistory()

    class Meta:
        verbose_name = "réglages du suivi"
        verbose_name_plural = "réglages du suivi"

    def __str__(self):
        return f"Suivi · {self.synthesis}"

    def thematic_weight(self, number):
        return int(self.thematic_weights.get(str(number), 1))


def today():
    return timezone.localdate() if settings.USE_TZ else date.today()
