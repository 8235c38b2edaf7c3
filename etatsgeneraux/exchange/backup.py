"""Backing up one synthesis to a JSON file, and restoring it exactly (nothing lost).

A backup file:

    {"format": "etatsgeneraux.synthese", "version": 1, "exported_at": "2020-…+00:00",
     "synthesis": {slug, title, year, status, region (code), department (code or null),
                   parent (slug or null), created_at, updated_at, archived_at (or null),
                   archived_by (username or null)},
     "content": <documents.backup_document: sessions, shared RETEX, sections, proposals,
                 and "followup" (followup_part.py: the follow-up of the action plans)>,
     "annexes": [{"synthesis": {…}, "content": {…}}, …]}      (with --with-annexes only)

Restoring checks the whole file before writing anything (structure, every field against
the models' own limits, positions, references inside the file, then the reference data and
syntheses it names, and the archive rules: no active annex under an archived regional
synthesis), and writes everything in one transaction, or nothing. What comes back
exactly: every field of every row, positions included, links between statements, and the
synthesis's dates (created, modified, archived). What does not: database ids (new rows get
new ones) and the `version` counters of optimistic locking (new rows start at 1; a replaced
synthesis keeps counting), which only matter to forms open at the time.
"""

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from actionplans.followup import FollowUpSettings
from actionplans.models import FlagshipProposal
from etatsgeneraux.stages import LINKED_COLUMNS, STAGES
from workshops import historical
from workshops.changes import changing
from workshops.forms import refuse_control_characters
from workshops.models import (
    Department,
    Facilitator,
    ParticipantCategory,
    Participation,
    Region,
    RetexLink,
    RetexSheet,
    Session,
    Synthesis,
    Thematic,
    ThematicSection,
)
from workshops.text import NBSP, size_text

from . import documents, followup_part
from .decoding import Refusals, decode_text
from .documents import (
    FLAGSHIP_FIELDS,
    RETEX_REFERENCES,
    backup_document,
    create_synthesis_content,
    row_fields,
)

FORMAT = "etatsgeneraux.synthese"
VERSION = 1
# The Pays de la Loire synthesis with its Vendée annex makes a 130 KB backup: 20 MB leaves
# room for 150 times that, and keeps a mistaken file (a video, a database dump) out.
MAX_BACKUP_BYTES = 20 * 1024 * 1024
MAX_SHOWN_ERRORS = 30


class BackupError(Exception):
    """The file cannot be restored (or the synthesis backed up); `messages` say why, in French."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


def q(text):
    """« text », with the French non-breaking spaces."""
    return f"«{NBSP}{text}{NBSP}»"


# Backing up ----------------------------------------------------------------------------------


def _timestamp(value):
    return value.isoformat() if value is not None else None


def synthesis_fields(synthesis):
    """The synthesis's own fields, with natural keys instead of ids, and its dates."""
    return {
        **documents.synthesis_fields(synthesis),
        "created_at": _timestamp(synthesis.created_at),
        "updated_at": _timestamp(synthesis.updated_at),
        "archived_at": _timestamp(synthesis.archived_at),
        "archived_by": synthesis.archived_by.get_username() if synthesis.archived_by_id else None,
    }


def _entry(synthesis):
    try:
        content = backup_document(synthesis)
    except ValueError as error:
        raise BackupError(f"Synthèse {q(synthesis.slug)}{NBSP}: {error}") from error
    content[followup_part.KEY] = followup_part.followup_document(synthesis)
    return {"synthesis": synthesis_fields(synthesis), "content": content}


def build_backup(synthesis, *, with_annexes=False):
    """The backup of a synthesis (and, for a regional one, of all its annexes, archived ones
    included) as a dict ready for `dumps`. Reads in one transaction: a consistent picture."""
    related = ("region", "department", "parent", "archived_by")
    with transaction.atomic():
        synthesis = Synthesis.objects.select_related(*related).get(pk=synthesis.pk)
        backup = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now().isoformat(),
            **_entry(synthesis),
        }
        if with_annexes:
            if synthesis.is_departmental:
                raise BackupError(
                    f"{q(synthesis.slug)} est une synthèse départementale{NBSP}: elle n’a pas "
                    "d’annexes (--with-annexes vaut pour une synthèse régionale)."
                )
            annexes = synthesis.annexes.select_related(*related).order_by("department__code")
            backup["annexes"] = [_entry(annex) for annex in annexes]
    return backup


def dumps(backup):
    """The file's text: UTF-8 as it is (no \\u escapes), indented, one final newline."""
    return json.dumps(backup, ensure_ascii=False, indent=2) + "\n"


def write_atomically(path, text):
    """Writes the file (text, or bytes) whole or not at all: a temporary file beside it, then a
    rename.

    The file is readable by its owner only: it holds the names of the facilitators.
    Raises BackupError (in French) when the path cannot be written.
    """
    target = Path(path)
    temporary = None
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        with tempfile.NamedTemporaryFile(
            "wb", dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = handle.name
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        temporary = None
    except OSError as error:
        raise BackupError(
            f"Impossible d’écrire {q(path)}{NBSP}: {os_error_text(error)}."
        ) from error
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def os_error_text(error):
    texts = {
        FileNotFoundError: "le dossier n’existe pas",
        PermissionError: "permission refusée",
        IsADirectoryError: "c’est un dossier",
        NotADirectoryError: "un élément du chemin n’est pas un dossier",
    }
    for kind, text in texts.items():
        if isinstance(error, kind):
            return text
    if error.errno == 28:  # ENOSPC
        return "plus de place sur le disque"
    return error.strerror or str(error)


# Reading a file ------------------------------------------------------------------------------

JSON_ERRORS = {
    "Expecting value": "une valeur est attendue",
    "Expecting ',' delimiter": "une virgule est attendue",
    "Expecting ':' delimiter": "un deux-points est attendu",
    "Expecting property name enclosed in double quotes": "un nom de clé entre guillemets "
    "droits est attendu",
    "Unterminated string starting at": "chaîne de caractères non terminée",
    "Invalid control character at": "caractère de contrôle dans une chaîne",
    "Invalid \\escape": "séquence d’échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\u invalide",
    "Extra data": "du texte suit la fin du document JSON",
}


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _NotANumber(ValueError):
    pass


def _no_constant(name):
    raise _NotANumber(name)


def too_big_text(_size=None):
    return (
        f"Le fichier dépasse {size_text(MAX_BACKUP_BYTES)}{NBSP}: ce n’est pas une sauvegarde "
        "de synthèse (celle des Pays de la Loire avec son annexe fait 130 Ko)."
    )


REFUSALS = Refusals(
    too_big=too_big_text,
    utf16=f"Le fichier est encodé en UTF-16{NBSP}: une sauvegarde est écrite en UTF-8.",
    binary=(
        f"Le fichier est binaire (il contient des octets nuls){NBSP}: ce n’est pas une "
        "sauvegarde JSON."
    ),
    not_utf8=lambda line, position: (
        f"Le fichier n’est pas en UTF-8{NBSP}: octet invalide ligne {line} (position {position})."
    ),
    empty="Le fichier est vide.",
)


def read_file(path):
    """The bytes of a backup file ("-": standard input), refused past MAX_BACKUP_BYTES."""
    limit = MAX_BACKUP_BYTES
    too_big = BackupError(too_big_text())
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            file = Path(path)
            if file.is_dir():
                raise BackupError(f"{q(path)} est un dossier, pas un fichier.")
            if file.stat().st_size > limit:
                raise too_big
            with file.open("rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError as error:
        raise BackupError(f"Fichier {q(path)} introuvable.") from error
    except PermissionError as error:
        raise BackupError(f"Lecture de {q(path)} refusée (permissions).") from error
    except OSError as error:
        raise BackupError(
            f"Lecture de {q(path)} impossible{NBSP}: {os_error_text(error)}."
        ) from error
    if len(data) > limit:
        raise too_big
    return data


def parse(data):
    """The backup in `data` (bytes), as a dict; BackupError for anything that is not JSON."""
    text = decode_text(data, REFUSALS, BackupError, limit=MAX_BACKUP_BYTES)
    try:
        backup = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _NotANumber as error:
        raise BackupError(f"JSON invalide{NBSP}: {error} n’est pas un nombre permis.") from error
    except _DuplicateKey as error:
        raise BackupError(f"JSON invalide{NBSP}: la clé {q(error)} figure deux fois.") from error
    except json.JSONDecodeError as error:
        reason = JSON_ERRORS.get(error.msg, error.msg)
        raise BackupError(
            f"JSON invalide, ligne {error.lineno}, colonne {error.colno}{NBSP}: {reason}."
        ) from error
    except RecursionError as error:
        raise BackupError(f"JSON invalide{NBSP}: trop de niveaux imbriqués.") from error
    if not isinstance(backup, dict):
        raise BackupError("Ce fichier n’est pas une sauvegarde de synthèse (objet JSON attendu).")
    if backup.get("format") != FORMAT:
        raise BackupError(
            f"Ce fichier n’est pas une sauvegarde de synthèse{NBSP}: format "
            f"{q(backup.get('format'))}, attendu {q(FORMAT)}."
        )
    version = backup.get("version")
    if version != VERSION or isinstance(version, bool):
        raise BackupError(
            f"Sauvegarde en version {q(version)}{NBSP}: cette plateforme lit la version {VERSION}."
        )
    return backup


# Checking a backup before writing ------------------------------------------------------------

STRING_FIELDS = (models.CharField, models.TextField)
SYNTHESIS_FIELDS = ["slug", "title", "year", "status"]
TIMESTAMPS = ["created_at", "updated_at", "archived_at"]


def _fields(model, names):
    return {name: (model, name) for name in names}


# Each object of the content: `fields` checked against the model field that stores them,
# `numbers` (a thematic, a category: checked against the database later) and `children`, the
# keys holding lists checked on their own.
SESSION = {
    "fields": _fields(
        Session, ["position", "title", "dates_places", "format", "facilitators_note"]
    ),
    "children": ["facilitators", "participations"],
}
FACILITATOR = {"fields": _fields(Facilitator, ["position", "name", "role", "note"])}
PARTICIPATION = {
    "fields": _fields(Participation, ["ticked", "participants", "establishments", "note"]),
    "numbers": ["category"],
}
SHEET = {
    "fields": _fields(RetexSheet, ["number", "origin", "title", "text"]),
    "children": ["links"],
}
LINK = {"fields": _fields(RetexLink, ["position", "url", "label"])}
SECTION = {
    "fields": _fields(ThematicSection, ["position", "title"]),
    "numbers": ["thematic"],
    "children": ["retex", *(stage.key for stage in STAGES.values())],
}
PROPOSAL = {"fields": _fields(FlagshipProposal, ["position", *FLAGSHIP_FIELDS])}
# The rows of each stage (etatsgeneraux.stages), with their statement columns: (model, linked).
ROWS = {
    stage.key: {
        "fields": _fields(stage.row_model, ["position", *row_fields(stage)]),
        "children": [RETEX_REFERENCES] if RETEX_REFERENCES in stage.row_keys else [],
        "columns": {cell.key: (cell.model, cell.linked) for cell in stage.cells},
    }
    for stage in STAGES.values()
}
# The column of an earlier stage that a linked column points to: (stage, column).
LINK_TARGETS = LINKED_COLUMNS


class Checker:
    """Walks a backup and collects every problem with the path to it (lists count from 1)."""

    def __init__(self):
        self.errors = []

    def error(self, path, message):
        self.errors.append(f"{path}{NBSP}: {message}")

    def keys(self, value, path, expected):
        """Whether `value` is an object; names its missing and unknown keys."""
        if not isinstance(value, dict):
            self.error(path, "un objet JSON est attendu")
            return False
        for key in expected:
            if key not in value:
                self.error(f"{path}.{key}", "clé manquante")
        for key in value:
            if key not in expected:
                self.error(f"{path}.{key}", "clé inconnue")
        return True

    def field(self, value, path, model, name):
        """Checks a value against the model field that will store it, with Django's messages."""
        model_field = model._meta.get_field(name)
        if value is None:
            if not model_field.null:
                self.error(path, "une valeur est attendue (null n’est pas permis)")
            return
        if isinstance(model_field, models.BooleanField):
            expected = isinstance(value, bool), "true ou false est attendu"
        elif isinstance(model_field, models.IntegerField):
            expected = _is_int(value), "un nombre entier est attendu"
        elif isinstance(model_field, STRING_FIELDS):
            expected = isinstance(value, str), "un texte est attendu"
        else:  # pragma: no cover - every field of the format is one of the above
            expected = True, ""
        if not expected[0]:
            self.error(path, expected[1])
            return
        try:
            model_field.clean(value, None)
            if isinstance(value, str):  # what every form refuses (control, bidi characters)
                refuse_control_characters(value)
        except ValidationError as invalid:
            for message in invalid.messages:
                self.error(path, message)

    def number(self, value, path):
        if not _is_int(value) or value < 1:
            self.error(path, "un numéro (entier positif) est attendu")

    def timestamp(self, value, path, *, null):
        if value is None:
            if not null:
                self.error(path, "une date est attendue")
            return
        if _parse_time(value) is None:
            self.error(path, f"date ISO 8601 avec fuseau attendue (par exemple {EXAMPLE_DATE})")

    def unique(self, values, path, label):
        seen = set()
        for value in values:
            if value in seen:
                self.error(path, f"{label} {value} en double")
            seen.add(value)

    def items(self, value, path):
        if not isinstance(value, list):
            self.error(path, "une liste est attendue")
            return []
        return value

    def obj(self, value, path, spec, extra=()):
        """An object of the content: its keys, its fields and its numbers, per `spec`."""
        expected = [*spec["fields"], *spec.get("numbers", []), *spec.get("children", []), *extra]
        if not self.keys(value, path, expected):
            return False
        for key, (model, name) in spec["fields"].items():
            if key in value:
                self.field(value[key], f"{path}.{key}", model, name)
        for key in spec.get("numbers", []):
            if key in value:
                self.number(value[key], f"{path}.{key}")
        return True

    def objects(self, value, path, check, unique=("position", "position")):
        """A list of objects, each checked by `check(value, path)`; `unique`: (key, label) of
        what two objects of the list may not share."""
        valid = [
            item
            for index, item in enumerate(self.items(value, path), start=1)
            if check(item, f"{path}[{index}]")
        ]
        if unique:
            key, label = unique
            self.unique([item[key] for item in valid if _is_int(item.get(key))], path, label)
        return valid

    def simple(self, spec):
        return lambda value, path: self.obj(value, path, spec)

    def child(self, value, key, path, check, unique=("position", "position")):
        if key in value:
            self.objects(value[key], f"{path}.{key}", check, unique)

    # The objects -----------------------------------------------------------------------------

    def sheet(self, value, path):
        if not self.obj(value, path, SHEET):
            return False
        self.child(value, "links", path, self.simple(LINK))
        return True

    def session(self, value, path):
        if not self.obj(value, path, SESSION):
            return False
        self.child(value, "facilitators", path, self.simple(FACILITATOR))
        self.child(
            value, "participations", path, self.simple(PARTICIPATION), ("category", "catégorie")
        )
        return True

    def statement(self, value, path, model, linked):
        spec = {"fields": _fields(model, ["position", "text", "emphasised"])}
        if not self.obj(value, path, spec, ["source"] if linked else []):
            return False
        source = value.get("source")
        if source is not None and self.keys(source, f"{path}.source", ["row", "position"]):
            for key in ("row", "position"):
                if key in source and not _is_int(source[key]):
                    self.error(f"{path}.source.{key}", "un nombre entier est attendu")
        return True

    def reference(self, value, path):
        if isinstance(value, dict):
            if self.keys(value, path, ["number", "shared"]):
                self.number(value.get("number"), f"{path}.number")
                if value.get("shared") is not True:
                    self.error(f"{path}.shared", "true est attendu")
        else:
            self.number(value, path)

    def row(self, value, path, stage):
        spec = ROWS[stage]
        if not self.obj(value, path, spec, list(spec["columns"])):
            return False
        if RETEX_REFERENCES in spec["children"] and RETEX_REFERENCES in value:
            references = self.items(value[RETEX_REFERENCES], f"{path}.{RETEX_REFERENCES}")
            for index, reference in enumerate(references, 1):
                self.reference(reference, f"{path}.{RETEX_REFERENCES}[{index}]")
        for column, (model, linked) in spec["columns"].items():
            self.child(
                value,
                column,
                path,
                lambda v, p, model=model, linked=linked: self.statement(v, p, model, linked),
            )
        return True

    def section(self, value, path):
        if not self.obj(value, path, SECTION):
            return False
        self.child(value, "retex", path, self.sheet, ("number", "fiche RETEX n°"))
        for stage in ROWS:
            self.child(value, stage, path, lambda v, p, stage=stage: self.row(v, p, stage))
        return True

    def content(self, value, path):
        expected = ["sessions", "retex", "sections", "flagship_proposals"]
        if isinstance(value, dict) and followup_part.KEY in value:  # optional (older files)
            expected.append(followup_part.KEY)
        if not self.keys(value, path, expected):
            return
        self.child(value, "sessions", path, self.session)
        self.child(value, "retex", path, self.sheet, ("number", "fiche RETEX n°"))
        if "sections" in value:
            sections = self.objects(value["sections"], f"{path}.sections", self.section)
            self.unique(
                [item["thematic"] for item in sections if _is_int(item.get("thematic"))],
                f"{path}.sections",
                "thématique n°",
            )
        self.child(value, "flagship_proposals", path, self.simple(PROPOSAL))

    def synthesis(self, value, path):
        expected = [*SYNTHESIS_FIELDS, "region", "department", "parent", *TIMESTAMPS]
        if not self.keys(value, path, [*expected, "archived_by"]):
            return
        for name in SYNTHESIS_FIELDS:
            if name in value:
                self.field(value[name], f"{path}.{name}", Synthesis, name)
        if "region" in value and not isinstance(value["region"], str):
            self.error(f"{path}.region", "le code d’une région académique est attendu")
        for name in ("department", "parent", "archived_by"):
            if value.get(name) is not None and not isinstance(value[name], str):
                self.error(f"{path}.{name}", "un texte ou null est attendu")
        for name in TIMESTAMPS:
            if name in value:
                self.timestamp(value[name], f"{path}.{name}", null=name == "archived_at")

    def entry(self, value, prefix):
        """One synthesis of the file: its "synthesis" and "content" keys."""
        if "synthesis" in value:
            self.synthesis(value["synthesis"], f"{prefix}synthesis")
        if "content" in value:
            self.content(value["content"], f"{prefix}content")

    def backup(self, backup):
        expected = ["format", "version", "exported_at", "synthesis", "content", "annexes"]
        for key in backup:
            if key not in expected:
                self.error(key, "clé inconnue")
        for key in ["exported_at", "synthesis", "content"]:
            if key not in backup:
                self.error(key, "clé manquante")
        if "exported_at" in backup:
            self.timestamp(backup["exported_at"], "exported_at", null=False)
        self.entry(backup, "")
        for index, annex in enumerate(self.items(backup.get("annexes", []), "annexes"), 1):
            path = f"annexes[{index}]"
            if self.keys(annex, path, ["synthesis", "content"]):
                self.entry(annex, f"{path}.")

    # What the structure cannot say: references inside the file --------------------------------

    def references(self, content, path):
        """RETEX references and statement links point to something of their own section."""
        shared = {sheet["number"] for sheet in content["retex"]}
        for s_index, section in enumerate(content["sections"], start=1):
            section_path = f"{path}.sections[{s_index}]"
            own = {sheet["number"] for sheet in section["retex"]}
            for stage, spec in ROWS.items():
                if RETEX_REFERENCES in spec["children"]:
                    for r_index, row in enumerate(section[stage], start=1):
                        row_path = f"{section_path}.{stage}[{r_index}]"
                        self.cited_sheets(row[RETEX_REFERENCES], row_path, own, shared)
            for (stage, column), (target_stage, target_column) in LINK_TARGETS.items():
                targets = {
                    (row["position"], item["position"])
                    for row in section[target_stage]
                    for item in row[target_column]
                }
                for r_index, row in enumerate(section[stage], start=1):
                    for index, item in enumerate(row[column], start=1):
                        item_path = f"{section_path}.{stage}[{r_index}].{column}[{index}]"
                        source = item["source"]
                        if source is None and not item["text"].strip():
                            self.error(
                                f"{item_path}.text",
                                "texte vide pour un énoncé qui n’est relié à aucun autre",
                            )
                        elif source is not None and (
                            (source["row"], source["position"]) not in targets
                        ):
                            self.error(
                                f"{item_path}.source",
                                f"aucun énoncé en position {source['position']} de la ligne en "
                                f"position {source['row']} ({target_column}) dans cette section",
                            )

    def cited_sheets(self, references, row_path, own, shared):
        """A row's RETEX references name sheets of its section, or shared ones, once each."""
        cited = set()
        for index, reference in enumerate(references, start=1):
            item_path = f"{row_path}.{RETEX_REFERENCES}[{index}]"
            if isinstance(reference, dict):
                number, sheet = reference["number"], ("shared", reference["number"])
                found = number in shared
                missing = f"aucune fiche RETEX commune n°{number}"
            else:
                number = reference
                sheet = ("own" if number in own else "shared", number)
                found = number in own or number in shared
                missing = (
                    f"aucune fiche RETEX n°{number}, ni dans cette section ni parmi les "
                    "fiches communes"
                )
            if not found:
                self.error(item_path, missing)
            elif sheet in cited:
                self.error(item_path, f"fiche RETEX n°{number} citée deux fois")
            cited.add(sheet)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


EXAMPLE_DATE = "2020-11-23T10:30:00+01:00"


def check(backup):
    """Raises BackupError with every problem of the file that needs no database."""
    checker = Checker()
    checker.backup(backup)
    if not checker.errors:
        annexes = backup.get("annexes", [])
        checker.references(backup["content"], "content")
        for index, annex in enumerate(annexes, start=1):
            checker.references(annex["content"], f"annexes[{index}].content")
        slugs = [entry["synthesis"]["slug"] for entry in (backup, *annexes)]
        checker.unique(slugs, "annexes", "identifiant")
        for index, annex in enumerate(annexes, start=1):
            if annex["synthesis"]["parent"] != backup["synthesis"]["slug"]:
                checker.error(
                    f"annexes[{index}].synthesis.parent",
                    "une annexe de la sauvegarde a pour parente la synthèse sauvegardée, "
                    f"{q(backup['synthesis']['slug'])}",
                )
    if not checker.errors:
        for prefix, entry in [("content", backup)] + [
            (f"annexes[{index}].content", annex) for index, annex in enumerate(annexes, 1)
        ]:
            followup_part.check(checker, entry["content"], prefix)
    if checker.errors:
        raise BackupError(_shown(checker.errors))


def _shown(errors):
    if len(errors) <= MAX_SHOWN_ERRORS:
        return errors
    rest = len(errors) - MAX_SHOWN_ERRORS
    return [*errors[:MAX_SHOWN_ERRORS], f"… et {rest} autre{'s' if rest > 1 else ''} erreur(s)."]


# Restoring -----------------------------------------------------------------------------------


@dataclass
class Restored:
    """What a restore did to one synthesis, for the summary."""

    slug: str
    replaced: bool
    counts: dict
    warnings: list = field(default_factory=list)

    def summary(self):
        how = "à la place de l’existante" if self.replaced else "créée"
        parts = [plural(number, *LABELS[key]) for key, number in self.counts.items()]
        return f"Synthèse {q(self.slug)} restaurée ({how}){NBSP}: {', '.join(parts)}."


LABELS = {
    "sessions": ("session", "sessions"),
    "sections": ("section thématique", "sections thématiques"),
    "retex": ("fiche RETEX", "fiches RETEX"),
    "rows": ("ligne", "lignes"),
    "statements": ("énoncé", "énoncés"),
    "links": ("lien entre énoncés", "liens entre énoncés"),
    "proposals": ("proposition phare", "propositions phares"),
}


def plural(number, singular, several):
    return f"{number}{NBSP}{singular if number < 2 else several}"


def content_counts(content):
    sections = content["sections"]
    rows = [row for section in sections for stage in ROWS for row in section[stage]]
    statements = [
        item
        for section in sections
        for stage, spec in ROWS.items()
        for row in section[stage]
        for column in spec["columns"]
        for item in row[column]
    ]
    return {
        "sessions": len(content["sessions"]),
        "sections": len(sections),
        "retex": len(content["retex"]) + sum(len(section["retex"]) for section in sections),
        "rows": len(rows),
        "statements": len(statements),
        "links": sum(1 for item in statements if item.get("source")),
        "proposals": len(content["flagship_proposals"]),
    }


def restore(backup, *, replace=False):
    """Restores every synthesis of a checked backup in one transaction; list of Restored.

    Raises BackupError, with nothing written, when the file names what the database lacks
    (region, department, parent synthesis, thematic, participant category) or when a
    synthesis exists already and `replace` is false. With `replace`, an existing synthesis
    keeps its row (and so its annexes and id) and gets the backup's fields and content.
    """
    check(backup)
    entries = [backup, *backup.get("annexes", [])]
    with transaction.atomic():
        plans, errors = _resolve(entries, replace)
        if errors:
            raise BackupError(_shown(errors))
        return [_write(plan) for plan in plans]


def _resolve(entries, replace):
    """Every synthesis's fields as model values, checked against the database; no writes."""
    errors = []
    regions = {region.code: region for region in Region.objects.all()}
    departments = {department.code: department for department in Department.objects.all()}
    thematics = set(Thematic.objects.values_list("number", flat=True))
    categories = {category.number: category for category in ParticipantCategory.objects.all()}
    users = get_user_model()._default_manager
    slugs_in_file = {}
    file_slugs = {entry["synthesis"]["slug"] for entry in entries}
    plans = []
    for index, entry in enumerate(entries):
        path = "synthesis" if index == 0 else f"annexes[{index}].synthesis"
        data, content = entry["synthesis"], entry["content"]
        warnings = []

        def error(key, message, path=path):
            errors.append(f"{path}.{key}{NBSP}: {message}")

        region = regions.get(data["region"])
        if region is None:
            error("region", f"région académique {q(data['region'])} inconnue")
        department = None
        if data["department"] is not None:
            department = departments.get(data["department"])
            if department is None:
                error("department", f"département {q(data['department'])} inconnu")
        existing = (
            Synthesis.objects.select_for_update(of=("self",))
            .filter(slug=data["slug"])
            .order_by("pk")
            .first()
        )
        if existing is not None and not replace:
            error(
                "slug",
                f"la synthèse {q(data['slug'])} existe déjà{NBSP}; ajoutez --replace pour "
                "remplacer ses champs et son contenu par ceux de la sauvegarde (la même "
                "synthèse est gardée).",
            )
        parent = None
        if data["parent"] is not None:
            # Locked: archiving it now would have to wait, and see this annex (archive()).
            parent = (
                slugs_in_file.get(data["parent"])
                or Synthesis.objects.select_for_update(of=("self",))
                .filter(slug=data["parent"])
                .order_by("pk")
                .first()
            )
            if parent is None:
                error(
                    "parent",
                    f"synthèse parente {q(data['parent'])} introuvable (restaurez-la d’abord, "
                    "ou sauvegardez-la avec --with-annexes)",
                )
        archived_by = None
        if data["archived_by"] is not None:
            archived_by = users.filter(**{users.model.USERNAME_FIELD: data["archived_by"]}).first()
            if archived_by is None:
                warnings.append(
                    f"{data['slug']}{NBSP}: le compte {q(data['archived_by'])} qui l’a archivée "
                    "n’existe pas ici{NBSP}; «{NBSP}archivée par{NBSP}» reste vide."
                )
        for s_index, section in enumerate(content["sections"], start=1):
            section_path = f"{path[: -len('synthesis')]}content.sections[{s_index}]"
            if section["thematic"] not in thematics:
                errors.append(
                    f"{section_path}.thematic{NBSP}: thématique n°{section['thematic']} inconnue"
                )
        for s_index, session in enumerate(content["sessions"], start=1):
            for p_index, participation in enumerate(session["participations"], start=1):
                item_path = (
                    f"{path[: -len('synthesis')]}content.sessions[{s_index}]"
                    f".participations[{p_index}]"
                )
                category = categories.get(participation["category"])
                if category is None:
                    errors.append(
                        f"{item_path}.category{NBSP}: catégorie de participants "
                        f"n°{participation['category']} inconnue"
                    )
                elif participation["establishments"] is not None and not (
                    category.counts_establishments
                ):
                    errors.append(
                        f"{item_path}.establishments{NBSP}: le nombre d’établissements ne se "
                        f"renseigne pas pour la catégorie n°{category.number}"
                    )
        fields = {
            "slug": data["slug"],
            "title": data["title"],
            "year": data["year"],
            "status": data["status"],
            "region": region,
            "department": department,
            "parent": parent,
            "archived_at": _parse_time(data["archived_at"]),
            "archived_by": archived_by,
        }
        if region is not None and (data["department"] is None or department is not None):
            _check_place(error, existing, fields, parent)
        _check_archive(error, existing, fields, parent, file_slugs)
        errors.extend(followup_part.place_errors(content, f"{path[: -len('synthesis')]}content"))
        taken = followup_part.taken_keys(content, existing)
        if taken:
            error(
                "slug",
                "identifiants de suivi déjà pris par une autre synthèse de la base"
                f"{NBSP}: {', '.join(taken[:10])}",
            )
        plan = {
            "existing": existing,
            "fields": fields,
            "created_at": _parse_time(data["created_at"]),
            "updated_at": _parse_time(data["updated_at"]),
            "content": content,
            "warnings": warnings,
        }
        # Annexes of this file point to the synthesis restored just before them.
        slugs_in_file[data["slug"]] = plan
        plans.append(plan)
    return plans, errors


def _check_place(error, existing, fields, parent):
    """Region, department and parent agree (Synthesis.clean), annexes kept included."""
    candidate = Synthesis(
        pk=existing.pk if existing else None,
        **{name: value for name, value in fields.items() if name not in ("parent", "archived_by")},
    )
    if isinstance(parent, Synthesis):
        candidate.parent = parent
    try:
        candidate.clean()
    except ValidationError as invalid:
        for name, messages in invalid.message_dict.items():
            for message in messages:
                error(name, message)
    if isinstance(parent, dict):  # restored from the same file, just before
        data = parent["fields"]
        if fields["department"] is None:
            error("parent", "seule une synthèse départementale peut être une annexe")
        elif data["department"] is not None or data["region"] != fields["region"]:
            error("parent", "la synthèse parente doit être la synthèse régionale de sa région")
    if existing is not None:
        annexes = existing.annexes.all()
        if fields["department"] is None:  # still regional: its annexes must share its region
            annexes = annexes.exclude(region=fields["region"])
        annexes = list(annexes)
        if annexes:
            names = ", ".join(q(annex.slug) for annex in annexes)
            error(
                "region" if fields["department"] is None else "department",
                f"la synthèse existante a des annexes ({names}) qui ne pourraient plus en être",
            )


def _check_archive(error, existing, fields, parent, file_slugs):
    """The archive rules of Synthesis.archive() and unarchive(): an active annex never hangs
    under an archived regional synthesis, whether the file or the database holds either."""
    archived = fields["archived_at"] is not None
    if not archived and parent is not None:
        if isinstance(parent, dict):  # restored from the same file, just before
            parent_archived, parent_slug = (
                parent["fields"]["archived_at"] is not None,
                parent["fields"]["slug"],
            )
        else:
            parent_archived, parent_slug = parent.is_archived, parent.slug
        if parent_archived:
            error(
                "archived_at",
                f"synthèse active, mais sa synthèse régionale {q(parent_slug)} est archivée"
                f"{NBSP}: une annexe ne peut pas être active sous une synthèse régionale "
                "archivée. Restaurez d’abord la synthèse régionale (désarchivez-la), ou "
                "restaurez une sauvegarde où l’annexe est archivée.",
            )
    if archived and existing is not None:
        # Annexes of the file come back as the file says: checked on their own.
        annexes = list(
            Synthesis.objects.select_for_update(of=("self",))
            .filter(parent=existing, archived_at__isnull=True)
            .exclude(slug__in=file_slugs)
            .order_by("slug")
        )
        if annexes:
            names = ", ".join(q(annex.slug) for annex in annexes)
            several = len(annexes) > 1
            error(
                "archived_at",
                f"synthèse archivée dans la sauvegarde, mais "
                f"{'ses annexes' if several else 'son annexe'} {names} "
                f"{'sont actives' if several else 'est active'}{NBSP}: une synthèse régionale "
                "ne peut pas être archivée avec des annexes actives. "
                f"{'Archivez-les' if several else 'Archivez-la'} d’abord.",
            )


def _parse_time(value):
    """An aware datetime from ISO 8601 text, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _create_content(synthesis, plan):
    content = plan["content"]
    create_synthesis_content(synthesis, content, keys=followup_part.statement_keys(content))
    plan["warnings"] += followup_part.create_followup(synthesis, content)


def _write(plan):
    fields, existing = plan["fields"], plan["existing"]
    if isinstance(fields["parent"], dict):
        fields = {**fields, "parent": fields["parent"]["synthesis"]}
    if existing is not None:
        with changing(existing, lock=True, restoring=True):
            with historical.batch(existing.pk):
                existing.flagship_proposals.all().delete()
                FollowUpSettings.objects.filter(synthesis=existing).delete()
                existing.sections.all().delete()
                existing.retex_sheets.all().delete()
                existing.sessions.all().delete()
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
            _create_content(existing, plan)
        synthesis = existing
    else:
        synthesis = Synthesis.objects.create(**fields)
        _create_content(synthesis, plan)
    # The dates as backed up: auto_now and auto_now_add set them on save.
    Synthesis.objects.filter(pk=synthesis.pk).update(
        created_at=plan["created_at"], updated_at=plan["updated_at"]
    )
    synthesis.created_at, synthesis.updated_at = plan["created_at"], plan["updated_at"]
    plan["synthesis"] = synthesis
    return Restored(
        slug=synthesis.slug,
        replaced=existing is not None,
        counts=content_counts(plan["content"]),
        warnings=plan["warnings"],
    )
