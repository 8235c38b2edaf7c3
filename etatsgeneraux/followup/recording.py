"""Recording the follow-up: every write runs in `workshops.changes.changing(synthesis)`.

So a follow-up change takes the synthesis's lock, is refused on an archived synthesis, lands
in the history (one INSERT per table, `historical.batch`) and sends `content_changed`. The
callers (views, CSV import) have checked `may_edit` already. Each function checks everything
before writing: a refused change writes nothing.

Optimistic locking, as on the board: a form names the version of the follow-up it started
from (0 when there was none); if someone saved since, `StaleFollowUp` carries both versions.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from actionplans.followup import (
    ActionProgress,
    FollowUpSettings,
    IndicatorTarget,
    JournalEntry,
    Measurement,
    Status,
    proposed_progress,
)
from actionplans.models import Action, ActionPlanRow, Indicator
from workshops import historical
from workshops.changes import changing
from workshops.text import NBSP

FOLLOWUP_REASON = "Suivi du plan d’action"


class FollowUpError(Exception):
    """A follow-up change refused; `messages` say why, in French. Nothing was written."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


class StaleFollowUp(FollowUpError):
    """Someone saved the follow-up of these actions since the form was opened."""

    def __init__(self, stale):
        self.stale = stale  # [(action, stored ActionProgress or None)]
        super().__init__(
            [
                f"«{NBSP}{short(action.text)}{NBSP}» a été mis à jour entre-temps par "
                "quelqu’un d’autre."
                for action, _stored in stale
            ]
        )


def short(text, length=80):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def author_name(user):
    if user is None or not user.is_authenticated:
        return ""
    return user.get_full_name() or user.get_username()


class _Keep:
    def __repr__(self):
        return "KEEP"


KEEP = _Keep()  # a field of ProgressChange left as it is


@dataclass
class ProgressChange:
    """What a form or a CSV row sets on one action; `progress` None: the status proposes it.
    Fields left as `KEEP` stay as they are."""

    action_id: int
    expected_version: int | None  # None: no check (CSV import checks itself)
    status: str
    progress: int | None = None
    pilot_name: object = KEEP
    pilot_user: object = None
    start_date: object = KEEP
    due_date: object = KEEP
    weight: object = KEEP


def _actions_of(synthesis, ids):
    actions = {
        action.pk: action
        for action in Action.objects.filter(pk__in=ids, row__section__synthesis=synthesis)
        .select_related("row__section", "progress")
        .order_by()
    }
    missing = [pk for pk in ids if pk not in actions]
    if missing:
        raise FollowUpError("Une des actions choisies n’appartient pas à cette synthèse.")
    return actions


def stored_progress(action):
    """The action's ActionProgress, or None for an action never followed."""
    return _stored(action)


def _stored(action):
    try:
        return action.progress
    except ActionProgress.DoesNotExist:
        return None


def record_progress(synthesis, user, changes, comment="", *, reason=FOLLOWUP_REASON, when=None):
    """Sets status and progress (and pilot, dates, weight when given) of actions, with one
    journal entry each. Returns the journal entries written."""
    comment = (comment or "").strip()
    when = when or timezone.now()
    with changing(synthesis, lock=True, reason=reason):
        actions = _actions_of(synthesis, [change.action_id for change in changes])
        stale = []
        for change in changes:
            action = actions[change.action_id]
            stored = _stored(action)
            version = stored.version if stored is not None else 0
            if change.expected_version is not None and change.expected_version != version:
                stale.append((action, stored))
        if stale:
            raise StaleFollowUp(stale)
        errors = []
        entries = []
        with historical.batch(synthesis.pk):
            for change in changes:
                action = actions[change.action_id]
                progress = _stored(action) or ActionProgress(action=action)
                if change.status not in Status.values:
                    errors.append(f"Statut inconnu{NBSP}: «{NBSP}{change.status}{NBSP}».")
                    continue
                current = progress.progress
                progress.status = change.status
                progress.progress = (
                    proposed_progress(change.status, current)
                    if change.progress is None or change.status == Status.ABANDONED
                    else change.progress
                )
                for name in ("start_date", "due_date", "weight"):
                    value = getattr(change, name)
                    if value is not KEEP:
                        setattr(progress, name, value)
                if change.pilot_name is not KEEP:
                    progress.pilot_name = change.pilot_name or ""
                    progress.pilot_user = change.pilot_user
                progress.updated_at = when
                try:
                    progress.full_clean(exclude=["action"])
                except ValidationError as invalid:
                    errors.extend(
                        f"«{NBSP}{short(action.text)}{NBSP}»{NBSP}: {message}"
                        for message in invalid.messages
                    )
                    continue
                progress.save()
                entry = JournalEntry(
                    action=action,
                    created_at=when,
                    author=user if user is not None and user.is_authenticated else None,
                    author_name=author_name(user),
                    status=progress.status,
                    progress=progress.progress,
                    comment=comment,
                )
                entry.save()
                entries.append(entry)
            if errors:
                raise FollowUpError(errors)
    return entries


def _indicator_of(synthesis, indicator_id):
    indicator = (
        Indicator.objects.filter(pk=indicator_id, row__section__synthesis=synthesis)
        .select_related("row__section", "target")
        .first()
    )
    if indicator is None:
        raise FollowUpError("Cet indicateur n’appartient pas à cette synthèse.")
    return indicator


def target_of(indicator):
    try:
        return indicator.target
    except IndicatorTarget.DoesNotExist:
        return None


def set_indicator(synthesis, indicator_id, expected_version, fields, *, reason=FOLLOWUP_REASON):
    """Sets an indicator's unit, initial value and target (with their dates)."""
    with changing(synthesis, lock=True, reason=reason):
        indicator = _indicator_of(synthesis, indicator_id)
        target = target_of(indicator)
        version = target.version if target else 0
        if expected_version is not None and version != expected_version:
            raise FollowUpError(
                "Les valeurs de cet indicateur ont été modifiées entre-temps par quelqu’un "
                f"d’autre{NBSP}: rechargez la page pour voir les leurs."
            )
        target = target or IndicatorTarget(indicator=indicator)
        for name, value in fields.items():
            setattr(target, name, value)
        try:
            target.full_clean(exclude=["indicator"])
        except ValidationError as invalid:
            raise FollowUpError(invalid.messages) from invalid
        if target.initial_date and not target.qualitative:
            earlier = indicator.measurements.filter(date__lt=target.initial_date).first()
            if earlier is not None:
                raise FollowUpError(
                    f"Une mesure du {earlier.date:%d/%m/%Y} précède la date de la valeur initiale."
                )
        target.save()
        return target


def check_measurement(target, date, value, note):
    """The problems of a measurement for this indicator's target (None: no values yet)."""
    errors = []
    if date is None:
        errors.append("Une mesure a une date.")
    qualitative = target is not None and target.qualitative
    if qualitative:
        if value is not None:
            errors.append("Un indicateur qualitatif reçoit des notes, pas de valeurs.")
        if not (note or "").strip():
            errors.append("Écrivez la note de cet indicateur qualitatif.")
    elif value is None:
        errors.append("Indiquez la valeur mesurée.")
    if (
        date is not None
        and target is not None
        and target.initial_date is not None
        and date < target.initial_date
    ):
        errors.append(
            f"La mesure du {date:%d/%m/%Y} précède la valeur initiale "
            f"(du {target.initial_date:%d/%m/%Y})."
        )
    return errors


def record_measurement(synthesis, user, indicator_id, date, value, note="", *, reason=None):
    """Adds a dated measurement (or note) to an indicator."""
    with changing(synthesis, lock=True, reason=reason or FOLLOWUP_REASON):
        indicator = _indicator_of(synthesis, indicator_id)
        errors = check_measurement(target_of(indicator), date, value, note)
        if errors:
            raise FollowUpError(errors)
        return Measurement.objects.create(
            indicator=indicator,
            date=date,
            value=value,
            note=(note or "").strip(),
            recorded_by=user if user is not None and user.is_authenticated else None,
        )


def set_weights(synthesis, *, expected_version, weight, stale_days, thematic_weights, rows):
    """The synthesis's follow-up settings and the rows' weights ({row id: weight})."""
    with changing(synthesis, lock=True, reason=FOLLOWUP_REASON):
        settings = FollowUpSettings.objects.filter(synthesis=synthesis).first()
        version = settings.version if settings else 0
        if expected_version is not None and version != expected_version:
            raise FollowUpError(
                "Les poids ont été modifiés entre-temps par quelqu’un d’autre\u00a0: rechargez la "
                "page pour voir les leurs."
            )
        settings = settings or FollowUpSettings(synthesis=synthesis)
        settings.weight = weight
        settings.stale_days = stale_days
        settings.thematic_weights = {str(k): int(v) for k, v in thematic_weights.items()}
        try:
            settings.full_clean(exclude=["synthesis"])
        except ValidationError as invalid:
            raise FollowUpError(invalid.messages) from invalid
        settings.save()
        stored = {
            row.pk: row
            for row in ActionPlanRow.objects.filter(section__synthesis=synthesis).select_related(
                "section"
            )
        }
        for row_id, value in rows.items():
            row = stored.get(row_id)
            if row is None:
                raise FollowUpError("Une ligne n’appartient pas à cette synthèse.")
            if row.followup_weight != value:
                row.followup_weight = value
                row.save(update_fields=["followup_weight", "version"])
        return settings
