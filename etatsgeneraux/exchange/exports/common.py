"""What the export formats share: labels of the row fields, licence and producer, and the
text rules (formula injection in CSV, characters XML cannot hold)."""

import re

from django.utils.text import capfirst

from actionplans.models import Effort, FlagshipProposal, Horizon
from etatsgeneraux.exchange.documents import RETEX_REFERENCES, row_layout
from workshops.models import Session

# The headings of the template's row columns (the statement columns' are the registry's).
THEMATIC_COLUMN = "Thématique concernée (parmi les 5)"
RETEX_COLUMN = "RETEX"
LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
PLATFORM = "Plateforme des synthèses des États généraux du numérique pour l’éducation"
HORIZONS = dict(Horizon.choices)
EFFORTS = dict(Effort.choices)
FORMATS = dict(Session.Format.choices)


def author(region_name):
    """Who wrote a synthesis, as the PDF names it."""
    return f"DANE de la région académique {region_name}"


def row_key_label(stage, key):
    """The heading of a row field of `stage` (a key of `row_layout` that is not a column)."""
    if key == "thematic_label":
        return THEMATIC_COLUMN
    if key == RETEX_REFERENCES:
        return RETEX_COLUMN
    return capfirst(stage.row_model._meta.get_field(key).verbose_name)


def columns(stage):
    """[(key, cell or None, heading)] of a stage's table: its row fields and its columns, in
    the order of the nested document (etatsgeneraux.stages, documents.row_layout)."""
    return [
        (key, cell, cell.label if cell is not None else row_key_label(stage, key))
        for key, cell in row_layout(stage)
    ]


def proposal_label(name):
    """« Résumé de la mesure », « Nombre d’élèves concernés »… (French apostrophes)."""
    label = FlagshipProposal._meta.get_field(name).verbose_name
    return capfirst(label.replace("'", "’"))


# Text ----------------------------------------------------------------------------------------

# What a spreadsheet may take for a formula (OWASP), and the apostrophe itself, so that the
# convention can be undone: remove one leading apostrophe, if any, to get the text back.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralised(text):
    """A CSV cell's text that no spreadsheet runs as a formula: an apostrophe before a text
    that begins with = + - @ (or a tab, a carriage return, an apostrophe)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def recovered(text):
    """The text as written, from a neutralised cell (the inverse of `neutralised`)."""
    return text[1:] if text.startswith("'") else text


# XML 1.0 holds no control character but tab, line feed and carriage return; the platform
# refuses them at entry, but the administration or an old import may have let one in.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text):
    """The text without what XML cannot hold (control characters are dropped)."""
    return _NOT_XML.sub("", text) if text else ""
