"""The JSON Schema of the nested document: backups, JSON exports, published versions.

Built from what checks a backup (etatsgeneraux.exchange.backup: the keys of each object, the
model field behind each value) and from the stage registry, so that it says what the
platform reads. The file shipped in etatsgeneraux/exchange/schemas/ is this schema, written
by `manage.py export_synthesis --schema` (a test checks that they agree); the platform serves
it at /donnees/schemas/synthese-1.json.
"""

import json
from pathlib import Path

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from actionplans.followup import Status
from etatsgeneraux.exchange import backup
from etatsgeneraux.exchange.documents import RETEX_REFERENCES
from etatsgeneraux.stages import STAGES
from workshops.models import Synthesis

from .jsondoc import SET_FORMAT, SET_VERSION

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "synthese-1.schema.json"
DATE_TIME = {"type": "string", "format": "date-time"}


def _nullable(schema):
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def _field(model, name):
    """The schema of a value stored in a model field, with its limits."""
    field = model._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.IntegerField):
        schema = {"type": "integer", "minimum": 0}
        # The validators the model declares, not the database's integer range Django adds.
        for validator in field._validators:
            if isinstance(validator, MinValueValidator):
                schema["minimum"] = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                schema["maximum"] = validator.limit_value
    else:
        schema = {"type": "string"}
        limits = [field.max_length] if field.max_length else []
        limits += [v.limit_value for v in field._validators if isinstance(v, MaxLengthValidator)]
        if limits:
            schema["maxLength"] = min(limits)
        if field.choices:
            schema["enum"] = [value for value, _label in field.choices] + (
                [""] if field.blank else []
            )
    schema["description"] = str(field.verbose_name)
    return _nullable(schema) if field.null else schema


def _object(properties, description=""):
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _spec(spec, extra=None, description=""):
    """An object of the backup's content, from its `fields`, `numbers` and `children`."""
    properties = {key: _field(model, name) for key, (model, name) in spec["fields"].items()}
    for key in spec.get("numbers", []):
        properties[key] = {"type": "integer", "minimum": 1}
    properties.update(extra or {})
    return _object(properties, description)


def _ref(name):
    return {"$ref": f"#/$defs/{name}"}


def _list(name):
    return {"type": "array", "items": _ref(name)}


def build():
    """The schema, as a dict."""
    defs = {}
    for key, spec in backup.ROWS.items():
        stage = next(stage for stage in STAGES.values() if stage.key == key)
        extra = {}
        if RETEX_REFERENCES in spec["children"]:
            extra[RETEX_REFERENCES] = {
                "type": "array",
                "description": "Les fiches RETEX citées : le numéro d’une fiche de la section "
                '(à défaut, d’une fiche commune), ou {"number": n, "shared": true} pour la '
                "fiche commune n quand la section a aussi une fiche n.",
                "items": {"oneOf": [{"type": "integer", "minimum": 1}, _ref("sharedReference")]},
            }
        for cell in stage.cells:
            extra[cell.key] = _list("linkedStatement" if cell.linked else "statement") | {
                "description": f"{cell.label} : un énoncé par puce, dans l’ordre."
            }
        defs[f"{key}Row"] = _spec(spec, extra, f"Une ligne du tableau « {stage.table_caption} ».")
    statement_model = next(iter(STAGES.values())).cells[0].model
    linked_model = next(
        cell.model for stage in STAGES.values() for cell in stage.cells if cell.linked
    )
    defs["statement"] = _spec(
        {"fields": backup._fields(statement_model, ["position", "text", "emphasised"])},
        description="Un énoncé : sa position, son texte tel qu’écrit, sa mise en avant.",
    )
    linked = _spec(
        {"fields": backup._fields(linked_model, ["position", "text", "emphasised"])},
        {
            "source": {
                "oneOf": [
                    _object(
                        {
                            "row": {"type": "integer", "minimum": 1},
                            "position": {"type": "integer", "minimum": 1},
                        }
                    ),
                    {"type": "null"},
                ],
                "description": "L’énoncé de l’étape précédente de la même section qu’il reprend "
                "(irritant du diagnostic pour un irritant principal, levier pour un axe) : "
                "position de sa ligne et sa position ; null s’il n’est relié à aucun.",
            }
        },
        "Un irritant principal ou un axe (Quoi) ; son texte peut être vide s’il est relié.",
    )
    defs["linkedStatement"] = linked
    defs["sharedReference"] = _object(
        {"number": {"type": "integer", "minimum": 1}, "shared": {"const": True}}
    )
    defs["link"] = _spec(backup.LINK)
    defs["sheet"] = _spec(backup.SHEET, {"links": _list("link")}, "Une fiche RETEX.")
    defs["facilitator"] = _spec(backup.FACILITATOR)
    defs["participation"] = _spec(backup.PARTICIPATION)
    defs["session"] = _spec(
        backup.SESSION,
        {"facilitators": _list("facilitator"), "participations": _list("participation")},
        "Une série de sessions d’ateliers (bloc d’introduction).",
    )
    defs["section"] = _spec(
        backup.SECTION,
        {
            "retex": _list("sheet"),
            **{key: _list(f"{key}Row") for key in backup.ROWS},
        },
        "Une thématique telle que la synthèse la traite (thematic : numéro national, 1 à 5).",
    )
    defs["proposal"] = _spec(backup.PROPOSAL, description="Une proposition phare.")
    defs["content"] = _object(
        {
            "sessions": _list("session"),
            "retex": _list("sheet") | {"description": "Fiches RETEX communes aux thématiques."},
            "sections": _list("section"),
            "flagship_proposals": _list("proposal"),
            "followup": _ref("followup"),
        }
    )
    defs["content"]["required"].remove("followup")  # backups only (not exports, versions)
    defs.update(_followup_defs())
    synthesis = {name: _field(Synthesis, name) for name in backup.SYNTHESIS_FIELDS}
    synthesis |= {
        "region": {"type": "string", "description": "Code de la région académique."},
        "department": {"type": ["string", "null"], "description": "Code du département."},
        "parent": {"type": ["string", "null"], "description": "Synthèse régionale (annexe)."},
        "created_at": DATE_TIME,
        "updated_at": DATE_TIME,
        "archived_at": {"type": ["string", "null"], "format": "date-time"},
        "archived_by": {"type": ["string", "null"]},
    }
    defs["synthesis"] = _object(synthesis, "Les champs de la synthèse.")
    defs["entry"] = _object({"synthesis": _ref("synthesis"), "content": _ref("content")})
    one = _object(
        {
            "format": {"const": backup.FORMAT},
            "version": {"const": backup.VERSION},
            "exported_at": DATE_TIME,
            "synthesis": _ref("synthesis"),
            "content": _ref("content"),
            "annexes": _list("entry"),
        },
        "Une synthèse (et, dans une sauvegarde --with-annexes, ses annexes départementales).",
    )
    one["required"].remove("annexes")
    defs["synthesisFile"] = one
    defs["setFile"] = _object(
        {
            "format": {"const": SET_FORMAT},
            "version": {"const": SET_VERSION},
            "exported_at": DATE_TIME,
            "syntheses": _list("entry"),
        },
        "Un ensemble de synthèses (l’export de tout ce qu’un lecteur peut lire).",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Synthèses des États généraux du numérique pour l’éducation, version 1",
        "description": "Le document imbriqué des synthèses : sauvegardes (backup_synthesis), "
        "exports JSON et versions publiées. « etatsgeneraux.synthese » : une synthèse ; "
        "« etatsgeneraux.syntheses » : un ensemble. Les positions sont celles enregistrées ; "
        "un texte est tel qu’écrit (UTF-8).",
        "oneOf": [_ref("synthesisFile"), _ref("setFile")],
        "$defs": defs,
    }


def text():
    """The schema as the shipped file holds it."""
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


def shipped():
    return SCHEMA_FILE.read_text(encoding="utf-8")


def _followup_defs():
    """The "followup" part of a backup's content (exchange/followup_part.py)."""
    integer = {"type": "integer"}
    text = {"type": "string"}
    day = {"type": ["string", "null"], "format": "date"}
    moment = {"type": "string", "format": "date-time"}
    number = {"type": ["string", "null"], "description": "Nombre décimal écrit en texte."}
    user = {"type": ["string", "null"], "description": "Identifiant du compte, ou null."}
    status = {"enum": list(Status.values)}
    percent = {"type": ["integer", "null"], "minimum": 0, "maximum": 100}
    weight = {"type": "integer", "minimum": 0, "maximum": 100}
    place = {
        "thematic": integer,
        "row": integer,
        "position": integer,
        "key": {"type": "string", "maxLength": 20, "description": "Identifiant stable."},
    }
    progress = _object(
        {
            "status": status,
            "progress": percent,
            "pilot_name": text,
            "pilot_user": user,
            "start_date": day,
            "due_date": day,
            "weight": weight,
            "updated_at": moment,
        }
    )
    entry = _object(
        {
            "created_at": moment,
            "author": user,
            "author_name": text,
            "status": status,
            "progress": percent,
            "comment": text,
        }
    )
    target = _object(
        {
            "qualitative": {"type": "boolean"},
            "unit": text,
            "initial_value": number,
            "initial_date": day,
            "target_value": number,
            "target_date": day,
        }
    )
    measurement = _object(
        {
            "date": {"type": "string", "format": "date"},
            "value": number,
            "note": text,
            "recorded_at": moment,
            "recorded_by": user,
        }
    )
    settings = _object(
        {
            "weight": weight,
            "stale_days": {"type": "integer", "minimum": 1, "maximum": 3650},
            "thematic_weights": {"type": "object", "additionalProperties": weight},
        }
    )
    return {
        "followup": _object(
            {
                "settings": {"oneOf": [settings, {"type": "null"}]},
                "rows": {
                    "type": "array",
                    "items": _object({"thematic": integer, "row": integer, "weight": weight}),
                },
                "actions": {
                    "type": "array",
                    "items": _object(
                        {
                            **place,
                            "progress": {"oneOf": [progress, {"type": "null"}]},
                            "journal": {"type": "array", "items": entry},
                        }
                    ),
                },
                "indicators": {
                    "type": "array",
                    "items": _object(
                        {
                            **place,
                            "target": {"oneOf": [target, {"type": "null"}]},
                            "measurements": {"type": "array", "items": measurement},
                        }
                    ),
                },
            },
            "Le suivi des plans d’action (sauvegardes seulement) : chaque action et chaque "
            "indicateur placés par thématique, ligne et position, avec leur identifiant stable.",
        )
    }
