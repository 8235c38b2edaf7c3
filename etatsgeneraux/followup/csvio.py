"""The follow-up as a CSV for a spreadsheet round trip, and its import.

Written for LibreOffice and Excel in French: UTF-8 with a byte-order mark (Excel reads it
as UTF-8 then), `;` between cells, decimal commas, ISO 8601 dates (both recognise them).
One line per action and per indicator, keyed on its stable identifier (`Action.key`,
`Indicator.key`: kept across moves and backups, unlike database ids); the other columns
that place it (thematic, row, text) are there for people and ignored on import.

CSV injection: a text cell that a spreadsheet would read as a formula (starting with =, +,
-, @, a tab or a carriage return) is exported behind an apostrophe, which the import takes
off again; an imported text cell that starts with =, + or @ is refused.

The import reads separators `;`, `,` or tab, dates as 2021-03-15 or 15/03/2021, numbers with
a comma or a point; it checks every line before writing anything, writes only what differs
from what is stored (through workshops.changes.changing, so in the history), and refuses
the whole file if any line is wrong.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.db import transaction

from actionplans.followup import Status, proposed_progress
from actionplans.models import Action, Indicator
from etatsgeneraux.exchange.decoding import Refusals, decode_text
from workshops.changes import changing
from workshops.text import NBSP, size_text

from . import recording
from .recording import FollowUpError, ProgressChange

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
IMPORT_REASON = "Import du suivi (CSV)"

COLUMNS = [
    ("identifiant", "key"),
    ("type", "kind"),
    ("thématique", "thematic"),
    ("ligne", "row"),
    ("position", "position"),
    ("texte", "text"),
    ("statut", "status"),
    ("avancement (%)", "progress"),
    ("pilote", "pilot"),
    ("début", "start_date"),
    ("échéance", "due_date"),
    ("poids", "weight"),
    ("commentaire", "comment"),
    ("unité", "unit"),
    ("valeur initiale", "initial_value"),
    ("date initiale", "initial_date"),
    ("cible", "target_value"),
    ("date cible", "target_date"),
    ("dernière valeur", "current_value"),
    ("date de la dernière valeur", "current_date"),
    ("note", "note"),
]
HEADERS = dict(COLUMNS)
REQUIRED = {"identifiant"}
ACTION, INDICATOR = "action", "indicateur"
STATUS_BY_LABEL = {label.casefold(): value for value, label in Status.choices}
STATUS_BY_LABEL.update({value: value for value in Status.values})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REFUSED_STARTS = ("=", "+", "@")
TEXT_COLUMNS = ("pilot", "comment", "unit", "note")


class CsvError(Exception):
    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


def too_big_text(_size=None):
    return f"Le fichier dépasse {size_text(MAX_BYTES)}{NBSP}: ce n’est pas un suivi exporté."


REFUSALS = Refusals(
    too_big=too_big_text,
    utf16=(
        f"Le fichier est encodé en UTF-16{NBSP}: enregistrez-le en CSV «{NBSP}UTF-8{NBSP}» "
        "(LibreOffice\u00a0: Enregistrer sous, Type CSV, jeu de caractères Unicode UTF-8)."
    ),
    binary=(
        f"Le fichier est binaire{NBSP}: enregistrez la feuille au format CSV (texte), pas en "
        "classeur (.ods, .xlsx)."
    ),
    not_utf8=lambda line, position: (
        f"Le fichier n’est pas en UTF-8 (octet invalide ligne {line}){NBSP}: enregistrez-le en "
        f"CSV avec le jeu de caractères «{NBSP}Unicode (UTF-8){NBSP}»."
    ),
    empty="Le fichier est vide.",
)


# Export ----------------------------------------------------------------------------------------


def neutralised(text):
    """A text cell a spreadsheet will not run as a formula."""
    text = text or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _decimal(value):
    if value is None:
        return ""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",")


def _date(value):
    return value.isoformat() if value else ""


def export_rows(followup):
    """The CSV lines (lists of cells) of a synthesis's follow-up, headers first."""
    yield [header for header, _ in COLUMNS]
    for section in followup.sections:
        for row in section.rows:
            for action in row.actions:
                yield [
                    action.key,
                    ACTION,
                    section.number,
                    row.position,
                    action.position,
                    neutralised(action.text),
                    action.status_label,
                    "" if action.progress is None else action.progress,
                    neutralised(action.pilot),
                    _date(action.start_date),
                    _date(action.due_date),
                    action.weight,
                    "",
                    *[""] * 8,
                ]
            for indicator in row.indicators:
                yield [
                    indicator.key,
                    INDICATOR,
                    section.number,
                    row.position,
                    indicator.position,
                    neutralised(indicator.text),
                    *[""] * 7,
                    neutralised(indicator.unit),
                    _decimal(indicator.initial_value),
                    _date(indicator.initial_date),
                    _decimal(indicator.target_value),
                    _date(indicator.target_date),
                    _decimal(indicator.current_value),
                    _date(indicator.current_date),
                    neutralised(indicator.current_note),
                ]


def export_bytes(followup):
    """The CSV file: UTF-8 with a byte-order mark, `;`, CRLF line ends (as spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(export_rows(followup))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Import ----------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    synthesis: object
    dry_run: bool
    actions: list = field(default_factory=list)  # (key, text, what changed)
    indicators: list = field(default_factory=list)
    measurements: list = field(default_factory=list)
    unchanged: int = 0
    warnings: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.actions or self.indicators or self.measurements)

    def summary(self):
        verb = "seraient" if self.dry_run else "ont été"
        parts = [
            f"{len(self.actions)}{NBSP}action(s) mise(s) à jour",
            f"{len(self.indicators)}{NBSP}indicateur(s) modifié(s)",
            f"{len(self.measurements)}{NBSP}mesure(s) ajoutée(s)",
            f"{self.unchanged}{NBSP}ligne(s) sans changement",
        ]
        head = "Vérification seulement, rien n’a été enregistré. " if self.dry_run else ""
        return f"{head}Suivi de «{NBSP}{self.synthesis.title}{NBSP}»{NBSP}: " + (
            ", ".join(parts) + f" ({verb} enregistrées)." if self.changed else ", ".join(parts)
        )


def _sniff(first_line):
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get)


def parse(data):
    """[(line number, {column: text})] of a CSV file (bytes); CsvError if unreadable."""
    text = decode_text(data, REFUSALS, CsvError, limit=MAX_BYTES)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(first_line))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise CsvError(f"CSV illisible{NBSP}: {error}.") from error
    if len(rows) > MAX_ROWS:
        raise CsvError(f"Plus de {MAX_ROWS} lignes{NBSP}: ce n’est pas un suivi exporté.")
    header = [cell.strip().casefold() for cell in rows[0]]
    unknown = [cell for cell in header if cell and cell not in HEADERS]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise CsvError(
            f"Colonne «{NBSP}identifiant{NBSP}» absente{NBSP}: la première ligne doit "
            "reprendre les intitulés du fichier exporté (séparés par des points-virgules)."
        )
    duplicated = {cell for cell in header if cell and header.count(cell) > 1}
    if duplicated:
        raise CsvError(
            "Colonnes en double : " + ", ".join(f"«{NBSP}{c}{NBSP}»" for c in sorted(duplicated))
        )
    lines = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {}
        for index, cell in enumerate(cells):
            if index < len(header) and header[index] in HEADERS:
                values[HEADERS[header[index]]] = cell
        lines.append((number, values))
    warnings = [f"Colonne «{NBSP}{cell}{NBSP}» inconnue, ignorée." for cell in unknown]
    return lines, warnings


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d %H:%M:%S")


def _parse_date(text):
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise ValueError(f"date «{NBSP}{text}{NBSP}» illisible (attendu 2021-03-15 ou 15/03/2021)")


NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


def _parse_decimal(text):
    compact = text.replace(NBSP, "").replace("\u202f", "").replace(" ", "")
    if not NUMBER.match(compact):
        raise ValueError(f"nombre «{NBSP}{text}{NBSP}» illisible")
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern rules it out
        raise ValueError(f"nombre «{NBSP}{text}{NBSP}» illisible") from error
    if abs(value) >= Decimal(10) ** 10 or -value.as_tuple().exponent > 4:
        raise ValueError(f"nombre «{NBSP}{text}{NBSP}» hors limites (4 décimales au plus)")
    return value


def _text(values, name, problems):
    text = values.get(name, "").strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]  # our own neutralisation, taken off
    if text.startswith(REFUSED_STARTS):
        problems.append(
            f"colonne «{NBSP}{_header(name)}{NBSP}»{NBSP}: une cellule qui commence par "
            f"«{NBSP}{text[0]}{NBSP}» serait une formule dans un tableur, elle est refusée "
            "(écrivez-la sans ce signe, ou précédée d’une apostrophe)"
        )
    return text


def _header(name):
    return next(header for header, key in COLUMNS if key == name)


def _optional(values, name, parser, problems):
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        return parser(text)
    except ValueError as error:
        problems.append(f"colonne «{NBSP}{_header(name)}{NBSP}»{NBSP}: {error}")
        return None


def _int(text):
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 6:
        raise ValueError(f"«{NBSP}{text}{NBSP}» n’est pas un nombre entier")
    return int(text)


def import_bytes(data, *, user=None, synthesis=None, dry_run=False):
    """Imports a follow-up CSV; `synthesis` (the page's) refuses keys of another one.
    Raises CsvError with every problem (nothing written)."""
    lines, warnings = parse(data)
    keys = [values.get("key", "").strip() for _number, values in lines]
    errors = []
    seen = {}
    for (number, _values), key in zip(lines, keys, strict=True):
        if not key:
            errors.append(f"Ligne {number}{NBSP}: identifiant vide.")
        elif key in seen:
            errors.append(
                f"Ligne {number}{NBSP}: identifiant «{NBSP}{key}{NBSP}» déjà vu ligne "
                f"{seen[key]} (ligne en double)."
            )
        else:
            seen[key] = number
    actions = {
        action.key: action
        for action in Action.objects.filter(key__in=list(seen)).select_related(
            "row__section__synthesis", "progress", "progress__pilot_user"
        )
    }
    indicators = {
        indicator.key: indicator
        for indicator in Indicator.objects.filter(key__in=list(seen)).select_related(
            "row__section__synthesis", "target"
        )
    }
    syntheses = {obj.row.section.synthesis for obj in [*actions.values(), *indicators.values()]}
    if synthesis is None and len(syntheses) == 1:
        synthesis = next(iter(syntheses))
    for number, values in lines:
        key = values.get("key", "").strip()
        if key and key not in actions and key not in indicators:
            errors.append(
                f"Ligne {number}{NBSP}: identifiant «{NBSP}{key}{NBSP}» inconnu (ni action ni "
                "indicateur de la plateforme)."
            )
    if synthesis is not None:
        others = sorted(
            f"«{NBSP}{obj.key}{NBSP}»"
            for obj in [*actions.values(), *indicators.values()]
            if obj.row.section.synthesis_id != synthesis.pk
        )
        if others:
            errors.append(
                f"Identifiants d’une autre synthèse que «{NBSP}{synthesis.title}{NBSP}»{NBSP}: "
                + ", ".join(others[:10])
                + ("…" if len(others) > 10 else "")
                + "."
            )
    elif syntheses:
        errors.append(
            "Le fichier mêle des actions de plusieurs synthèses\u00a0: importez le suivi d’une "
            "synthèse à la fois."
        )
    if not lines:
        errors.append("Le fichier ne contient aucune ligne de suivi.")
    if errors:
        raise CsvError(errors)
    if synthesis.is_archived:
        raise CsvError("Cette synthèse est archivée\u00a0: son suivi ne peut plus être modifié.")
    result = ImportResult(synthesis=synthesis, dry_run=dry_run, warnings=warnings)
    plan = []
    for number, values in lines:
        problems = []
        key = values["key"].strip()
        if key in actions:
            step = _plan_action(actions[key], values, problems)
        else:
            step = _plan_indicator(indicators[key], values, problems)
        for problem in problems:
            errors.append(f"Ligne {number} ({key}){NBSP}: {problem}.")
        if step is None:
            result.unchanged += 1
        else:
            plan.append((number, key, step))
    if errors:
        raise CsvError(errors)
    try:
        with transaction.atomic():
            with changing(synthesis, lock=True, reason=IMPORT_REASON):
                for number, key, step in plan:
                    try:
                        step(user, result)
                    except FollowUpError as error:
                        errors.extend(
                            f"Ligne {number} ({key}){NBSP}: {message}" for message in error.messages
                        )
                if errors:
                    raise CsvError(errors)
            if dry_run:
                transaction.set_rollback(True)
    except recording.FollowUpError as error:
        raise CsvError(error.messages) from error
    return result


def _plan_action(action, values, problems):
    """The change this line makes to an action (a function), or None."""
    stored = recording.stored_progress(action)
    current = {
        "status": stored.status if stored else Status.TO_START,
        "progress": stored.progress if stored else 0,
        "pilot": (stored.pilot if stored else "") or "",
        "start_date": stored.start_date if stored else None,
        "due_date": stored.due_date if stored else None,
        "weight": stored.weight if stored else 1,
    }
    status_text = values.get("status", "").strip()
    status = STATUS_BY_LABEL.get(status_text.casefold()) if status_text else current["status"]
    if status is None:
        labels = ", ".join(f"«{NBSP}{label}{NBSP}»" for _v, label in Status.choices)
        problems.append(f"statut «{NBSP}{status_text}{NBSP}» inconnu (attendu\u00a0: {labels})")
    progress = _optional(values, "progress", _int, problems) if "progress" in values else None
    if progress is not None and not 0 <= progress <= 100:
        problems.append("l’avancement est compris entre 0 et 100 %")
    pilot = _text(values, "pilot", problems) if "pilot" in values else current["pilot"]
    if len(pilot) > 200:
        problems.append("pilote\u00a0: 200 caractères au plus")
    start = (
        _optional(values, "start_date", _parse_date, problems)
        if "start_date" in values
        else current["start_date"]
    )
    due = (
        _optional(values, "due_date", _parse_date, problems)
        if "due_date" in values
        else current["due_date"]
    )
    if start and due and due < start:
        problems.append("l’échéance précède la date de début")
    weight = (
        _optional(values, "weight", _int, problems) if values.get("weight", "").strip() else None
    )
    if weight is not None and not 0 <= weight <= 100:
        problems.append("un poids est compris entre 0 et 100")
    comment = _text(values, "comment", problems)
    if problems or status is None:
        return None
    if "progress" not in values or (progress is None and status != Status.ABANDONED):
        progress = current["progress"]
    if status != current["status"] and progress == current["progress"]:
        progress = proposed_progress(status, current["progress"])  # the status proposes it
    if status == Status.ABANDONED:
        progress = None
    weight = current["weight"] if weight is None else weight
    new = {
        "status": status,
        "progress": progress,
        "pilot": pilot,
        "start_date": start,
        "due_date": due,
        "weight": weight,
    }
    changed = [name for name in new if new[name] != current[name]]
    if not changed and not comment:
        return None

    def apply(user, result):
        pilot_kept = pilot == current["pilot"]
        recording.record_progress(
            action.row.section.synthesis,
            user,
            [
                ProgressChange(
                    action_id=action.pk,
                    expected_version=None,
                    status=status,
                    progress=progress,
                    pilot_name=recording.KEEP if pilot_kept else pilot,
                    pilot_user=None,
                    start_date=start,
                    due_date=due,
                    weight=weight,
                )
            ],
            comment,
            reason=IMPORT_REASON,
        )
        result.actions.append((action.key, action.text, changed or ["commentaire"]))

    return apply


def _plan_indicator(indicator, values, problems):
    target = recording.target_of(indicator)
    current = {
        "unit": target.unit if target else "",
        "initial_value": target.initial_value if target else None,
        "initial_date": target.initial_date if target else None,
        "target_value": target.target_value if target else None,
        "target_date": target.target_date if target else None,
    }
    new = dict(current)
    if "unit" in values:
        new["unit"] = _text(values, "unit", problems)[:50]
    for name, parser in (
        ("initial_value", _parse_decimal),
        ("initial_date", _parse_date),
        ("target_value", _parse_decimal),
        ("target_date", _parse_date),
    ):
        if name in values:
            new[name] = _optional(values, name, parser, problems)
    last = indicator.measurements.order_by("-date", "-pk").first()
    value = _optional(values, "current_value", _parse_decimal, problems)
    when = _optional(values, "current_date", _parse_date, problems)
    note = _text(values, "note", problems) if "note" in values else ""
    qualitative = bool(target and target.qualitative)
    measured = None
    if value is not None or when is not None or (qualitative and note):
        stored = (last.date, last.value, last.note) if last else None
        if stored is None or (when, value, note) != (stored[0], stored[1], stored[2] or ""):
            if when is None:
                problems.append(
                    f"une mesure sans date (colonne «{NBSP}date de la dernière valeur{NBSP}»)"
                )
            measured = (when, value, note)
    if problems:
        return None
    target_changed = [name for name in new if new[name] != current[name]]
    if target_changed:
        initial, goal = new["initial_value"], new["target_value"]
        if not qualitative:
            if initial is not None and goal is not None and initial == goal:
                problems.append(
                    "la cible est égale à la valeur initiale\u00a0: "
                    "l’avancement ne peut pas se calculer"
                )
            if (initial is None) != (new["initial_date"] is None):
                problems.append("la valeur initiale et sa date vont ensemble")
            if (goal is None) != (new["target_date"] is None):
                problems.append("la cible et sa date vont ensemble")
    if measured is not None:
        future_target = SimpleNamespace(qualitative=qualitative, initial_date=new["initial_date"])
        problems.extend(
            message.rstrip(".")[0].lower() + message.rstrip(".")[1:]
            for message in recording.check_measurement(future_target, *measured)
        )
    if problems:
        return None
    if not target_changed and measured is None:
        return None

    def apply(user, result):
        synthesis = indicator.row.section.synthesis
        if target_changed:
            recording.set_indicator(
                synthesis,
                indicator.pk,
                None,
                {name: new[name] for name in new},
                reason=IMPORT_REASON,
            )
            result.indicators.append((indicator.key, indicator.text, target_changed))
        if measured is not None:
            recording.record_measurement(
                synthesis, user, indicator.pk, *measured, reason=IMPORT_REASON
            )
            result.measurements.append((indicator.key, indicator.text, measured[0]))

    return apply
