"""The "followup" part of a backup: the follow-up of a synthesis's action plans, exactly.

    "followup": {
      "settings": {"weight", "stale_days", "thematic_weights"} or null,
      "rows": [{"thematic", "row", "weight"}],            (rows whose weight is not 1)
      "actions": [{"thematic", "row", "position", "key",
                   "progress": {status, progress, pilot_name, pilot_user, start_date,
                                due_date, weight, updated_at} or null,
                   "journal": [{created_at, author, author_name, status, progress, comment}]}],
      "indicators": [{"thematic", "row", "position", "key",
                      "target": {qualitative, unit, initial_value, initial_date, target_value,
                                 target_date} or null,
                      "measurements": [{date, value, note, recorded_at, recorded_by}]}]
    }

Every action and indicator is listed, followed or not, so that its stable identifier (the
key the follow-up CSV uses) comes back with it. An action is placed by its thematic's
number, its row's position and its own position, as the backup stores them. Accounts are
named by username (a missing one: the field stays empty, with a warning); values are
decimal strings, dates ISO 8601. A backup without this part (older files) restores with
new identifiers and no follow-up.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model

from actionplans.followup import (
    ActionProgress,
    FollowUpSettings,
    IndicatorTarget,
    JournalEntry,
    Measurement,
    Status,
)
from actionplans.models import Action, ActionPlanRow, Indicator
from workshops.historical import batch, record, with_history
from workshops.text import NBSP

KEY = "followup"
ACTION_PLAN = "action_plan"  # the stage's key in the nested document
PROGRESS_FIELDS = [
    "status",
    "progress",
    "pilot_name",
    "pilot_user",
    "start_date",
    "due_date",
    "weight",
    "updated_at",
]
JOURNAL_FIELDS = ["created_at", "author", "author_name", "status", "progress", "comment"]
TARGET_FIELDS = [
    "qualitative",
    "unit",
    "initial_value",
    "initial_date",
    "target_value",
    "target_date",
]
MEASUREMENT_FIELDS = ["date", "value", "note", "recorded_at", "recorded_by"]


# Backing up ----------------------------------------------------------------------------------


def _username(user):
    return user.get_username() if user is not None else None


def _day(value):
    return value.isoformat() if value else None


def _decimal(value):
    return None if value is None else format(value, "f")


def followup_document(synthesis):
    """The "followup" part of a synthesis's backup: one query per table."""
    settings = FollowUpSettings.objects.filter(synthesis=synthesis).first()
    place = ("row__section__thematic__number", "row__position", "position")
    actions = (
        Action.objects.filter(row__section__synthesis=synthesis)
        .select_related("row__section__thematic", "progress__pilot_user")
        .order_by(*place)
    )
    journal = {}
    for entry in (
        JournalEntry.objects.filter(action__row__section__synthesis=synthesis)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        journal.setdefault(entry.action_id, []).append(
            {
                "created_at": entry.created_at.isoformat(),
                "author": _username(entry.author),
                "author_name": entry.author_name,
                "status": entry.status,
                "progress": entry.progress,
                "comment": entry.comment,
            }
        )
    measurements = {}
    for measurement in (
        Measurement.objects.filter(indicator__row__section__synthesis=synthesis)
        .select_related("recorded_by")
        .order_by("date", "pk")
    ):
        measurements.setdefault(measurement.indicator_id, []).append(
            {
                "date": measurement.date.isoformat(),
                "value": _decimal(measurement.value),
                "note": measurement.note,
                "recorded_at": measurement.recorded_at.isoformat(),
                "recorded_by": _username(measurement.recorded_by),
            }
        )

    def where(obj):
        return {
            "thematic": obj.row.section.thematic.number,
            "row": obj.row.position,
            "position": obj.position,
            "key": obj.key,
        }

    def progress_document(action):
        try:
            progress = action.progress
        except ActionProgress.DoesNotExist:
            return None
        return {
            "status": progress.status,
            "progress": progress.progress,
            "pilot_name": progress.pilot_name,
            "pilot_user": _username(progress.pilot_user),
            "start_date": _day(progress.start_date),
            "due_date": _day(progress.due_date),
            "weight": progress.weight,
            "updated_at": progress.updated_at.isoformat(),
        }

    def target_document(indicator):
        try:
            target = indicator.target
        except IndicatorTarget.DoesNotExist:
            return None
        return {
            "qualitative": target.qualitative,
            "unit": target.unit,
            "initial_value": _decimal(target.initial_value),
            "initial_date": _day(target.initial_date),
            "target_value": _decimal(target.target_value),
            "target_date": _day(target.target_date),
        }

    return {
        "settings": (
            {
                "weight": settings.weight,
                "stale_days": settings.stale_days,
                "thematic_weights": settings.thematic_weights,
            }
            if settings
            else None
        ),
        "rows": [
            {"thematic": number, "row": position, "weight": weight}
            for number, position, weight in ActionPlanRow.objects.filter(
                section__synthesis=synthesis
            )
            .exclude(followup_weight=1)
            .order_by("section__thematic__number", "position")
            .values_list("section__thematic__number", "position", "followup_weight")
        ],
        "actions": [
            {
                **where(action),
                "progress": progress_document(action),
                "journal": journal.get(action.pk, []),
            }
            for action in actions
        ],
        "indicators": [
            {
                **where(indicator),
                "target": target_document(indicator),
                "measurements": measurements.get(indicator.pk, []),
            }
            for indicator in Indicator.objects.filter(row__section__synthesis=synthesis)
            .select_related("row__section__thematic", "target")
            .order_by(*place)
        ],
    }


# Checking ------------------------------------------------------------------------------------


def _parse_datetime(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _parse_date(value):
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_decimal(value):
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 10:
        return None
    return number if -number.as_tuple().exponent <= 4 else None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


class _Check:
    """Checks the "followup" part of one synthesis's content; errors go to the backup's
    Checker (`checker.error(path, message)`)."""

    def __init__(self, checker, *, values=True):
        self.checker = checker
        if not values:  # places only (place_errors)
            self.action = self.indicator = self.integer = self.text = self._skip

    def _skip(self, *args, **kwargs):
        pass

    def error(self, path, message):
        self.checker.error(path, message)

    def keys(self, value, path, expected):
        return self.checker.keys(value, path, expected)

    def items(self, value, path):
        return self.checker.items(value, path)

    def integer(self, value, path, low, high, *, null=False):
        if value is None and null:
            return
        if not _is_int(value) or not low <= value <= high:
            self.error(path, f"un nombre entier de {low} à {high} est attendu")

    def text(self, value, path, limit=None, *, null=False):
        if value is None and null:
            return
        if not isinstance(value, str):
            self.error(path, "un texte est attendu")
        elif limit is not None and len(value) > limit:
            self.error(path, f"{limit} caractères au plus")

    def day(self, value, path):
        if value is not None and _parse_date(value) is None:
            self.error(path, "date AAAA-MM-JJ ou null attendue")

    def moment(self, value, path):
        if _parse_datetime(value) is None:
            self.error(path, "date ISO 8601 avec fuseau attendue")

    def decimal(self, value, path):
        if value is not None and _parse_decimal(value) is None:
            self.error(path, "un nombre écrit en texte (4 décimales au plus) ou null est attendu")

    def status(self, value, path):
        if value not in Status.values:
            self.error(path, f"statut inconnu (attendu{NBSP}: {', '.join(Status.values)})")

    def part(self, value, path, places):
        if not self.keys(value, path, ["settings", "rows", "actions", "indicators"]):
            return
        settings = value.get("settings")
        if settings is not None and self.keys(
            settings, f"{path}.settings", ["weight", "stale_days", "thematic_weights"]
        ):
            self.integer(settings.get("weight"), f"{path}.settings.weight", 0, 100)
            self.integer(settings.get("stale_days"), f"{path}.settings.stale_days", 1, 3650)
            weights = settings.get("thematic_weights")
            if not isinstance(weights, dict) or not all(
                str(key).isdigit() and _is_int(item) and 0 <= item <= 100
                for key, item in weights.items()
            ):
                self.error(
                    f"{path}.settings.thematic_weights",
                    "un objet {numéro de thématique : poids de 0 à 100} est attendu",
                )
        for index, row in enumerate(self.items(value.get("rows", []), f"{path}.rows"), 1):
            row_path = f"{path}.rows[{index}]"
            if self.keys(row, row_path, ["thematic", "row", "weight"]):
                self.integer(row.get("weight"), f"{row_path}.weight", 0, 100)
                if (
                    places is not None
                    and (row.get("thematic"), row.get("row")) not in places["rows"]
                ):
                    self.error(row_path, "aucune ligne de plan d’action à cette place")
        seen = set()
        for kind, expected, check in (
            ("actions", ["progress", "journal"], self.action),
            ("indicators", ["target", "measurements"], self.indicator),
        ):
            listed = set()
            for index, item in enumerate(self.items(value.get(kind, []), f"{path}.{kind}"), 1):
                item_path = f"{path}.{kind}[{index}]"
                if not self.keys(
                    item, item_path, ["thematic", "row", "position", "key", *expected]
                ):
                    continue
                key = item.get("key")
                self.text(key, f"{item_path}.key", 20)
                if isinstance(key, str):
                    if not key.strip():
                        self.error(f"{item_path}.key", "identifiant vide")
                    elif key in seen:
                        self.error(f"{item_path}.key", f"identifiant «{NBSP}{key}{NBSP}» en double")
                    seen.add(key)
                place = (item.get("thematic"), item.get("row"), item.get("position"))
                if places is not None and place not in places[kind]:
                    self.error(
                        item_path,
                        f"aucun{'e action' if kind == 'actions' else ' indicateur'} à cette place",
                    )
                elif place in listed:
                    self.error(item_path, "listé deux fois")
                listed.add(place)
                check(item, item_path)

    def action(self, item, path):
        progress = item.get("progress")
        if progress is not None and self.keys(progress, f"{path}.progress", PROGRESS_FIELDS):
            self.status(progress.get("status"), f"{path}.progress.status")
            self.integer(progress.get("progress"), f"{path}.progress.progress", 0, 100, null=True)
            self.text(progress.get("pilot_name"), f"{path}.progress.pilot_name", 200)
            self.text(progress.get("pilot_user"), f"{path}.progress.pilot_user", 150, null=True)
            self.day(progress.get("start_date"), f"{path}.progress.start_date")
            self.day(progress.get("due_date"), f"{path}.progress.due_date")
            self.integer(progress.get("weight"), f"{path}.progress.weight", 0, 100)
            self.moment(progress.get("updated_at"), f"{path}.progress.updated_at")
        for index, entry in enumerate(self.items(item.get("journal", []), f"{path}.journal"), 1):
            entry_path = f"{path}.journal[{index}]"
            if self.keys(entry, entry_path, JOURNAL_FIELDS):
                self.moment(entry.get("created_at"), f"{entry_path}.created_at")
                self.text(entry.get("author"), f"{entry_path}.author", 150, null=True)
                self.text(entry.get("author_name"), f"{entry_path}.author_name", 150)
                self.status(entry.get("status"), f"{entry_path}.status")
                self.integer(entry.get("progress"), f"{entry_path}.progress", 0, 100, null=True)
                self.text(entry.get("comment"), f"{entry_path}.comment", 10_000)

    def indicator(self, item, path):
        target = item.get("target")
        if target is not None and self.keys(target, f"{path}.target", TARGET_FIELDS):
            if not isinstance(target.get("qualitative"), bool):
                self.error(f"{path}.target.qualitative", "true ou false est attendu")
            self.text(target.get("unit"), f"{path}.target.unit", 50)
            for name in ("initial_value", "target_value"):
                self.decimal(target.get(name), f"{path}.target.{name}")
            for name in ("initial_date", "target_date"):
                self.day(target.get(name), f"{path}.target.{name}")
        measurements = self.items(item.get("measurements", []), f"{path}.measurements")
        for index, measurement in enumerate(measurements, 1):
            m_path = f"{path}.measurements[{index}]"
            if self.keys(measurement, m_path, MEASUREMENT_FIELDS):
                if _parse_date(measurement.get("date")) is None:
                    self.error(f"{m_path}.date", "date AAAA-MM-JJ attendue")
                self.decimal(measurement.get("value"), f"{m_path}.value")
                self.text(measurement.get("note"), f"{m_path}.note", 10_000)
                self.moment(measurement.get("recorded_at"), f"{m_path}.recorded_at")
                self.text(measurement.get("recorded_by"), f"{m_path}.recorded_by", 150, null=True)


def places_of(content):
    """The places of the action plan's rows, actions and indicators in a (checked) content."""
    places = {"rows": set(), "actions": set(), "indicators": set()}
    for section in content.get("sections", []):
        number = section.get("thematic")
        for row in section.get(ACTION_PLAN, []):
            places["rows"].add((number, row.get("position")))
            for kind in ("actions", "indicators"):
                for item in row.get(kind, []):
                    places[kind].add((number, row.get("position"), item.get("position")))
    return places


def check(checker, content, path):
    """Adds the problems of the content's "followup" part, if any, to the backup's checker:
    its structure and values (what it names: `place_errors`)."""
    if KEY in content:
        _Check(checker).part(content[KEY], f"{path}.{KEY}", None)


class _Collector:
    def __init__(self):
        self.errors = []

    def error(self, path, message):
        self.errors.append(f"{path}{NBSP}: {message}")

    def keys(self, value, path, expected):
        return isinstance(value, dict)

    def items(self, value, path):
        return value if isinstance(value, list) else []


def place_errors(content, path):
    """The actions, indicators and rows the "followup" part names that the content lacks
    (after the other checks of the restore: the thematics are known then)."""
    if KEY not in content:
        return []
    collector = _Collector()
    _Check(collector, values=False).part(content[KEY], f"{path}.{KEY}", places_of(content))
    return [error for error in collector.errors if "place" in error or "deux fois" in error]


def keys_in(content):
    part = content.get(KEY) or {}
    return [item["key"] for kind in ("actions", "indicators") for item in part.get(kind, [])]


def taken_keys(content, synthesis):
    """The keys of the file that another synthesis of the database uses already."""
    keys = keys_in(content)
    taken = []
    for model in (Action, Indicator):
        found = model.objects.filter(key__in=keys)
        if synthesis is not None:
            found = found.exclude(row__section__synthesis=synthesis)
        taken += found.values_list("key", flat=True)
    return sorted(taken)


# Restoring -----------------------------------------------------------------------------------


def statement_keys(content):
    """{("actions" | "indicators", thematic, row, position): key}, for create_synthesis_content
    to give the restored statements their identifiers."""
    part = content.get(KEY) or {}
    return {
        (kind, item["thematic"], item["row"], item["position"]): item["key"]
        for kind in ("actions", "indicators")
        for item in part.get(kind, [])
    }


def create_followup(synthesis, content):
    """Writes the follow-up of a restored synthesis (its content already created); returns
    warnings (accounts missing here)."""
    part = content.get(KEY)
    if not part:
        return []
    with batch(synthesis.pk):
        return _create_followup(synthesis, part)


def _create_followup(synthesis, part):
    warnings = []
    users = get_user_model()._default_manager
    names = set()
    for item in part["actions"]:
        progress = item["progress"] or {}
        names.add(progress.get("pilot_user"))
        names.update(entry["author"] for entry in item["journal"])
    for item in part["indicators"]:
        names.update(m["recorded_by"] for m in item["measurements"])
    names.discard(None)
    found = {
        user.get_username(): user
        for user in users.filter(**{f"{users.model.USERNAME_FIELD}__in": names})
    }
    missing = sorted(names - set(found))
    if missing:
        warnings.append(
            f"{synthesis.slug}{NBSP}: comptes absents ici ({', '.join(missing)})"
            f"{NBSP}; le suivi garde leur nom quand il le connaît, sans lien vers un compte."
        )

    def user(name):
        return found.get(name)

    if part["settings"] is not None:
        with_history(FollowUpSettings).bulk_create(
            [FollowUpSettings(synthesis=synthesis, **part["settings"])]
        )
    rows = {
        (row.section.thematic.number, row.position): row
        for row in ActionPlanRow.objects.filter(section__synthesis=synthesis).select_related(
            "section__thematic"
        )
    }
    changed_rows = []
    for data in part["rows"]:
        row = rows[(data["thematic"], data["row"])]
        row.followup_weight = data["weight"]
        changed_rows.append(row)
    ActionPlanRow.objects.bulk_update(changed_rows, ["followup_weight"])
    record(changed_rows)
    actions = {a.key: a for a in Action.objects.filter(row__section__synthesis=synthesis)}
    indicators = {i.key: i for i in Indicator.objects.filter(row__section__synthesis=synthesis)}
    progress_objects, entries, targets, measurements = [], [], [], []
    for item in part["actions"]:
        action = actions[item["key"]]
        data = item["progress"]
        if data is not None:
            pilot = user(data["pilot_user"])
            pilot_name = data["pilot_name"]
            if data["pilot_user"] and pilot is None and not pilot_name:
                pilot_name = data["pilot_user"]
            progress_objects.append(
                ActionProgress(
                    action=action,
                    status=data["status"],
                    progress=data["progress"],
                    pilot_name=pilot_name,
                    pilot_user=pilot,
                    start_date=_parse_date(data["start_date"]),
                    due_date=_parse_date(data["due_date"]),
                    weight=data["weight"],
                    updated_at=_parse_datetime(data["updated_at"]),
                )
            )
        entries += [
            JournalEntry(
                action=action,
                created_at=_parse_datetime(entry["created_at"]),
                author=user(entry["author"]),
                author_name=entry["author_name"],
                status=entry["status"],
                progress=entry["progress"],
                comment=entry["comment"],
            )
            for entry in item["journal"]
        ]
    for item in part["indicators"]:
        indicator = indicators[item["key"]]
        data = item["target"]
        if data is not None:
            targets.append(
                IndicatorTarget(
                    indicator=indicator,
                    qualitative=data["qualitative"],
                    unit=data["unit"],
                    initial_value=_parse_decimal(data["initial_value"]),
                    initial_date=_parse_date(data["initial_date"]),
                    target_value=_parse_decimal(data["target_value"]),
                    target_date=_parse_date(data["target_date"]),
                )
            )
        measurements += [
            Measurement(
                indicator=indicator,
                date=_parse_date(m["date"]),
                value=_parse_decimal(m["value"]),
                note=m["note"],
                recorded_at=_parse_datetime(m["recorded_at"]),
                recorded_by=user(m["recorded_by"]),
            )
            for m in item["measurements"]
        ]
    with_history(ActionProgress).bulk_create(progress_objects)
    with_history(JournalEntry).bulk_create(entries)
    with_history(IndicatorTarget).bulk_create(targets)
    with_history(Measurement).bulk_create(measurements)
    return warnings


# Re-importing a document -------------------------------------------------------------------


def carry_over(synthesis, document):
    """The follow-up of a synthesis whose content an import is about to replace, re-placed in
    the new `document`: an action or indicator whose thematic and text the document keeps
    keeps its identifier and its follow-up (the first one of that text, in order); row
    weights stay with rows at the same place. The settings stay on the synthesis. Returns a
    "followup" part for `statement_keys` and `create_followup`."""
    part = followup_document(synthesis)
    texts = {}
    for model in (Action, Indicator):
        texts.update(
            model.objects.filter(row__section__synthesis=synthesis).values_list("key", "text")
        )
    waiting = {}
    for kind in ("actions", "indicators"):
        for item in part[kind]:
            waiting.setdefault((kind, item["thematic"], texts.get(item["key"])), []).append(item)
    carried = {"settings": None, "rows": [], "actions": [], "indicators": []}
    rows = set()
    for section in document.get("sections", []):
        number = section["thematic"]
        for row_position, row in enumerate(section.get(ACTION_PLAN, []), start=1):
            row_position = (
                row.get("position", row_position) if isinstance(row, dict) else row_position
            )
            rows.add((number, row_position))
            for kind in ("actions", "indicators"):
                for position, statement in enumerate(row.get(kind, []), start=1):
                    if isinstance(statement, dict):
                        text, position = statement["text"], statement.get("position", position)
                    else:
                        text = statement
                    found = waiting.get((kind, number, text))
                    if found:
                        item = found.pop(0)
                        carried[kind].append(
                            {**item, "thematic": number, "row": row_position, "position": position}
                        )
    carried["rows"] = [row for row in part["rows"] if (row["thematic"], row["row"]) in rows]
    return carried
