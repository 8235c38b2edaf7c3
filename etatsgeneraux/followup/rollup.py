"""Where a synthesis's action plans stand: loaded in a constant number of queries, rolled up.

Loading reads one query per table (sections, rows, axes, actions with their progress,
indicators with their targets and last measurement, settings), never one per object, so the
« État d'avancement » page costs the same queries whatever the size of the synthesis.
Measurements are read only for the indicators a page shows (`load_measurements`).

Roll-ups: action → row (axis) → thematic → synthesis → academic region, each a weighted
mean of the level below. Weights are 1 by default, set by the facilitators, and shown next
to every figure they produce. An abandoned action, a weight of 0, or a level with nothing
counted is left out (and said so), never counted as 0 %.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from actionplans.followup import (
    DEFAULT_STALE_DAYS,
    FollowUpSettings,
    Measurement,
    Status,
    indicator_progress,
    today,
)
from actionplans.models import Action, ActionPlanRow, Axis, Horizon, Indicator
from workshops.models import Synthesis, ThematicSection
from workshops.permissions import readable_syntheses

STATUS_LABELS = dict(Status.choices)
HORIZON_LABELS = dict(Horizon.choices)
DUE_SOON_DAYS = 30


def weighted(items):
    """(mean progress, total weight) of the items counted, or (None, 0)."""
    total = 0
    weight_sum = 0
    for item in items:
        if item.progress is None or item.weight <= 0:
            continue
        total += item.progress * item.weight
        weight_sum += item.weight
    if not weight_sum:
        return None, 0
    return round(total / weight_sum), weight_sum


@dataclass(eq=False)
class ActionState:
    pk: int
    key: str
    text: str
    position: int
    row: object
    status: str = Status.TO_START
    progress: int | None = 0
    pilot: str = ""
    pilot_user_id: int | None = None
    start_date: object = None
    due_date: object = None
    weight: int = 1
    version: int = 0  # 0: no follow-up recorded yet
    last_point: object = None

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def followed(self):
        return self.version > 0

    @property
    def open(self):
        return self.status not in (Status.DONE, Status.ABANDONED)


@dataclass(eq=False)
class IndicatorState:
    pk: int
    key: str
    text: str
    position: int
    row: object
    version: int = 0
    qualitative: bool = False
    unit: str = ""
    initial_value: Decimal | None = None
    initial_date: object = None
    target_value: Decimal | None = None
    target_date: object = None
    current_value: Decimal | None = None
    current_date: object = None
    current_note: str = ""
    measurements: list = field(default_factory=list)  # (date, value, note), filled on demand

    @property
    def progress(self):
        return indicator_progress(self.initial_value, self.target_value, self.current_value)

    @property
    def has_values(self):
        return self.initial_value is not None and self.target_value is not None


@dataclass(eq=False)
class RowState:
    pk: int
    position: int
    horizon: str
    weight: int
    version: int
    section: object
    axes: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    progress: int | None = None
    counted_weight: int = 0

    @property
    def label(self):
        return " ; ".join(self.axes) if self.axes else f"Ligne {self.position}"

    @property
    def horizon_label(self):
        return HORIZON_LABELS.get(self.horizon, "")


@dataclass(eq=False)
class SectionState:
    pk: int
    number: int
    title: str
    position: int
    weight: int = 1
    rows: list = field(default_factory=list)
    progress: int | None = None
    counted_weight: int = 0

    @property
    def actions(self):
        return [action for row in self.rows for action in row.actions]


@dataclass(eq=False)
class FollowUp:
    """The follow-up of one synthesis, rolled up."""

    synthesis: Synthesis
    settings: FollowUpSettings
    sections: list
    weight: int = 1
    progress: int | None = None
    counted_weight: int = 0

    @property
    def rows(self):
        return [row for section in self.sections for row in section.rows]

    @property
    def actions(self):
        return [action for row in self.rows for action in row.actions]

    @property
    def indicators(self):
        return [indicator for row in self.rows for indicator in row.indicators]

    def status_counts(self):
        counts = Counter(action.status for action in self.actions)
        return [(value, label, counts.get(value, 0)) for value, label in Status.choices]

    def due(self, *, on=None):
        """(late, due soon): the open actions past their due date, and due within 30 days."""
        on = on or today()
        soon = on + timedelta(days=DUE_SOON_DAYS)
        late, coming = [], []
        for action in self.actions:
            if not action.open or action.due_date is None:
                continue
            if action.due_date < on:
                late.append(action)
            elif action.due_date <= soon:
                coming.append(action)
        key = lambda action: action.due_date  # noqa: E731
        return sorted(late, key=key), sorted(coming, key=key)

    def stale(self, *, on=None):
        """The open actions followed once, with no journal entry for `stale_days` days."""
        on = on or today()
        limit = on - timedelta(days=self.settings.stale_days)
        found = [
            action
            for action in self.actions
            if action.open and action.last_point is not None and action.last_point.date() < limit
        ]
        return sorted(found, key=lambda action: action.last_point)

    def never_followed(self):
        return sum(1 for action in self.actions if not action.followed)

    def pilots(self):
        return sorted({action.pilot for action in self.actions if action.pilot}, key=str.casefold)


def _settings_of(syntheses):
    found = {s.synthesis_id: s for s in FollowUpSettings.objects.filter(synthesis__in=syntheses)}
    return {
        synthesis.pk: found.get(synthesis.pk)
        or FollowUpSettings(synthesis=synthesis, stale_days=DEFAULT_STALE_DAYS, version=0)
        for synthesis in syntheses
    }


def load(synthesis, *, family=(), with_indicators=True):
    """The follow-up of `synthesis` (and of the syntheses of `family`, for the region's
    roll-up), in one query per table: {synthesis id: FollowUp}."""
    syntheses = [synthesis, *[s for s in family if s.pk != synthesis.pk]]
    ids = [s.pk for s in syntheses]
    settings = _settings_of(syntheses)
    sections = {}
    by_synthesis = {pk: [] for pk in ids}
    for section in (
        ThematicSection.objects.filter(synthesis__in=ids)
        .select_related("thematic")
        .order_by("position")
    ):
        state = SectionState(
            pk=section.pk,
            number=section.thematic.number,
            title=section.display_title,
            position=section.position,
            weight=settings[section.synthesis_id].thematic_weight(section.thematic.number),
        )
        sections[section.pk] = state
        by_synthesis[section.synthesis_id].append(state)
    rows = {}
    for values in (
        ActionPlanRow.objects.filter(section__synthesis__in=ids)
        .order_by("position")
        .values_list("pk", "section_id", "position", "horizon", "followup_weight", "version")
    ):
        pk, section_id, position, horizon, weight, version = values
        row = RowState(pk, position, horizon, weight, version, sections[section_id])
        rows[pk] = row
        sections[section_id].rows.append(row)
    for row_id, text, source_text in (
        Axis.objects.filter(row__section__synthesis=synthesis.pk)
        .order_by("row_id", "position")
        .values_list("row_id", "text", "source__text")
    ):
        rows[row_id].axes.append(source_text or text)
    actions = (
        Action.objects.filter(row__section__synthesis__in=ids)
        .order_by("row_id", "position")
        .values_list(
            "pk",
            "key",
            "text",
            "position",
            "row_id",
            "progress__status",
            "progress__progress",
            "progress__pilot_name",
            "progress__pilot_user_id",
            "progress__pilot_user__username",
            "progress__pilot_user__first_name",
            "progress__pilot_user__last_name",
            "progress__start_date",
            "progress__due_date",
            "progress__weight",
            "progress__version",
            "progress__updated_at",
        )
    )
    for (
        pk,
        key,
        text,
        position,
        row_id,
        status,
        progress,
        pilot_name,
        pilot_user_id,
        username,
        first_name,
        last_name,
        start_date,
        due_date,
        weight,
        version,
        updated_at,
    ) in actions:
        row = rows[row_id]
        action = ActionState(pk, key, text, position, row)
        if version:
            full_name = f"{first_name} {last_name}".strip()
            action.status = status
            action.progress = progress
            action.pilot = (full_name or username) if pilot_user_id else pilot_name
            action.pilot_user_id = pilot_user_id
            action.start_date = start_date
            action.due_date = due_date
            action.weight = weight
            action.version = version
            action.last_point = updated_at
        row.actions.append(action)
    if with_indicators:
        _load_indicators(synthesis, rows)
    followups = {}
    for synthesis_ in syntheses:
        followup = FollowUp(
            synthesis_,
            settings[synthesis_.pk],
            by_synthesis[synthesis_.pk],
            weight=settings[synthesis_.pk].weight,
        )
        _roll_up(followup)
        followups[synthesis_.pk] = followup
    return followups


def _load_indicators(synthesis, rows):
    last = Measurement.objects.filter(indicator=OuterRef("pk")).order_by("-date", "-pk")
    indicators = (
        Indicator.objects.filter(row__section__synthesis=synthesis.pk)
        .order_by("row_id", "position")
        .annotate(
            current_value=Subquery(last.values("value")[:1]),
            current_date=Subquery(last.values("date")[:1]),
            current_note=Subquery(last.values("note")[:1]),
        )
        .values_list(
            "pk",
            "key",
            "text",
            "position",
            "row_id",
            "target__version",
            "target__qualitative",
            "target__unit",
            "target__initial_value",
            "target__initial_date",
            "target__target_value",
            "target__target_date",
            "current_value",
            "current_date",
            "current_note",
        )
    )
    for values in indicators:
        pk, key, text, position, row_id, version, *rest = values
        row = rows[row_id]
        indicator = IndicatorState(pk, key, text, position, row, version or 0)
        (
            qualitative,
            unit,
            indicator.initial_value,
            indicator.initial_date,
            indicator.target_value,
            indicator.target_date,
            indicator.current_value,
            indicator.current_date,
            current_note,
        ) = rest
        indicator.qualitative = bool(qualitative)
        indicator.unit = unit or ""
        indicator.current_note = current_note or ""
        row.indicators.append(indicator)


def load_measurements(indicators):
    """Fills `measurements` of these indicators, oldest first: one query."""
    by_pk = {indicator.pk: indicator for indicator in indicators}
    for indicator in indicators:
        indicator.measurements = []
    if not by_pk:
        return
    for indicator_id, date, value, note in (
        Measurement.objects.filter(indicator__in=list(by_pk))
        .order_by("indicator_id", "date", "pk")
        .values_list("indicator_id", "date", "value", "note")
    ):
        by_pk[indicator_id].measurements.append((date, value, note))


def _roll_up(followup):
    for section in followup.sections:
        for row in section.rows:
            row.progress, row.counted_weight = weighted(row.actions)
        section.progress, section.counted_weight = weighted(section.rows)
    followup.progress, followup.counted_weight = weighted(followup.sections)


def region_rollup(followups):
    """(progress, total weight) of the academic region from the syntheses' follow-ups."""
    return weighted(followups)


def family_of(user, synthesis):
    """The syntheses of the academic region this user reads, regional one first: the
    region's roll-up. One query."""
    syntheses = list(
        readable_syntheses(user)
        .filter(region=synthesis.region_id, archived_at__isnull=True)
        .order_by("department__code")
    )
    syntheses.sort(
        key=lambda s: (s.department_id is not None, s.department.code if s.department_id else "")
    )
    return syntheses


def load_page_followup(user, synthesis):
    """(the synthesis's FollowUp, the region's FollowUps, region progress and weight)."""
    family = family_of(user, synthesis)
    followups = load(synthesis, family=family)
    region = [followups[s.pk] for s in family if s.pk in followups]
    if synthesis.pk not in {s.pk for s in family}:
        region.insert(0, followups[synthesis.pk])
    region_progress, region_weight = region_rollup(region)
    return followups[synthesis.pk], region, region_progress, region_weight
