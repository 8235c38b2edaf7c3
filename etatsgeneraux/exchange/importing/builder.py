"""Blocks → the nested synthesis document (workshops/documents.py), and what was not understood.

The template's own instructions are recognised and skipped; every other paragraph is either
understood (a thematic heading, a RETEX sheet, a flagship-proposal field, the region) or
reported with its place. Problems that would lose or misplace a statement are errors: the
import then writes nothing.

A DOCX the platform wrote (etatsgeneraux.exchange.exports.word) is read back exactly: its
paragraphs of the export's styles give each field as written (markup.Piece.role), a row whose
« Thématique concernée » is one of them belongs to the section above it and is kept even
when empty, and its hidden bookmarks name the statement each main irritant or axis is linked
to (or that it is not linked). Whatever a person adds in Word in the template's usual way is
read as before.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from actionplans.models import Effort, FlagshipProposal, Horizon
from etatsgeneraux.exchange.documents import (
    FLAGSHIP_FIELDS,
    RETEX_REFERENCES,
    statement_document,
)
from etatsgeneraux.stages import (
    LINKED_COLUMNS,
    MAX_STATEMENTS_PER_SYNTHESIS,
    STAGES,
    STAGES_BY_KEY,
)
from workshops.models import (
    STATEMENT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    RetexLink,
    RetexSheet,
    ThematicSection,
)

from .markup import (
    ROLE_HORIZON,
    ROLE_INTRODUCTION,
    ROLE_RETEX,
    ROLE_RETEX_LABEL,
    ROLE_RETEX_TEXT,
    ROLE_RETEX_TITLE,
    ROLE_ROW,
    ROLE_TITLE,
    ROLE_VALUE,
    THEMATIC_KEYWORDS,
    cell_statements,
    has_exact,
    header_columns,
    norm_key,
    plain,
    split_statements,
    squash,
    straight_apostrophes,
    thematic_of,
)
from .sources import Paragraph, Table

MAX_STATEMENTS = MAX_STATEMENTS_PER_SYNTHESIS  # one limit, the board's too
ERROR, WARNING = "erreur", "avertissement"
# The tables of the stages (etatsgeneraux.stages), by their document keys.
STAGE_LABELS = {stage.key: straight_apostrophes(stage.table_name) for stage in STAGES.values()}
HORIZON = "horizon"  # the key of an action-plan row's horizon, told in its « Quand » column

_LEADING_MARKS = re.compile(r"^(?:#+\s*|[-*■•▪◦]\s+)+")
SECTION_HEADING = re.compile(
    r"^TH[ÉE]MATIQUE\s*(?:N\s*[°º]?\s*\d+|\d+)?\s*:\s*(?P<title>.+)$", re.I
)
RETEX_HEADING = re.compile(
    r"^RETEX\s*(?:N\s*°\s*)?(?P<number>\d{1,3})(?!\d)\s*(?:\((?P<origin>[^)]*)\))?"
    r"\s*[:.–-]?\s*(?P<rest>.*)$",
    re.I,
)
REGION_LINE = re.compile(r"^Nom de la r[ée]gion acad[ée]mique\s*:?\s*(?P<value>.*)$", re.I)
DEPARTMENT_LINE = re.compile(
    r"^(?:Nom du d[ée]partement\s*:?|D[ée]partement\s*:)\s*(?P<value>.*)$", re.I
)
LABEL_NUMBERING = re.compile(r"^(?:\(\d\)|\d[.)]|N\s*°\s*\d+\s*[:.–-]?)\s*", re.I)
URL_LINE = re.compile(r"^<?(?P<url>https?://[^\s<>]+)>?$")
MARKDOWN_LINK = re.compile(r"^\[[^\]]*\]\((?P<url>https?://[^\s)]+)\)$")
RETEX_NUMBERS = re.compile(
    r"(?:RETEX\s*)?\d{1,3}(?:\s*(?:,|;|/|&|et)\s*(?:RETEX\s*)?\d{1,3})*", re.I
)

# The template's instructions (norm_key prefixes); stage titles also end a RETEX sheet.
TEMPLATE_TEXT = (
    "lors des ateliers nous proposons",
    "les remontees terrain",
    "la thematique concernee parmi les 5",
    "le ou les point s fort s",
    "le ou les irritant s",
    "retours d experience presentes lors des ateliers",
    "texte de 2 ou 3 lignes",
    "au cours de cet atelier",
    "a partir des principaux irritants",
    "les participants sont ensuite invites",
    "rappel des criteres",
    "les axes d amelioration principaux quoi",
    "les actions a mener comment",
    "les acteurs mobilises qui",
    "la temporalite souhaitee quand",
    "les indicateurs et facteurs cles de reussite",
    "apparaissent en gras et en vert",
    "diagnostic des points forts et irritants",
    "synthese des besoins axes d amelioration",
    "synthese des besoins et axes d amelioration",
    "plan d action pour repondre aux besoins",
)
STAGE_TITLE = re.compile(
    r"^(?:\d )?(?:retour d experience(?: et diagnostic)?|projections?|plan d action)$"
)
# The heading of an export's RETEX sheet, read exactly: « RETEX 2 » or « RETEX 2 (origin) ».
EXACT_RETEX_HEADING = re.compile(r"RETEX (?P<number>[0-9]{1,3})(?: \((?P<origin>.*)\))?", re.S)

FLAGSHIP_LABELS = [
    ("description", None),
    ("resume de la mesure", "summary"),
    ("impacts", "impacts"),
    ("nombre d etablissements concernes", "establishments"),
    ("nombre d eleves concernes", "pupils"),
    ("nombre de parents concernes", "parents"),
    ("nombre d enseignants concernes", "teachers"),
    ("territoire concerne", "territory"),
    ("referent du projet", "referent"),
    ("modalites de mise en oeuvre", None),
    ("moyens financiers", "means_financial"),
    ("moyens humains", "means_human"),
    ("moyens juridiques", "means_legal"),
    ("difficultes principales rencontrees", "difficulties"),
    ("besoins necessaires pour perenniser le dispositif", "sustainability_needs"),
    ("efforts de mise en place", "effort"),
    ("effort de mise en place", "effort"),
    ("temporalite necessaire", "time_needed"),
]
FLAGSHIP_RUBRICS = {"faible moyen fort", "court terme moyen terme long terme"}
FLAGSHIP_TEXT_FIELDS = {
    "summary",
    "means_financial",
    "means_human",
    "means_legal",
    "difficulties",
    "sustainability_needs",
}
HORIZONS = {norm_key(label): value for value, label in Horizon.choices}
CHOICES = {
    "effort": {norm_key(label): value for value, label in Effort.choices},
    "time_needed": {**HORIZONS, **{value: value for value in Horizon.values}},
}
_validate_url = URLValidator()


@dataclass
class Issue:
    level: str
    where: str
    message: str
    field: str = ""  # the form field it is about, for the admin (slug, region…)


def excerpt(text, length=80):
    text = squash(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def max_length(model, name):
    return model._meta.get_field(name).max_length


class DocumentBuilder:
    def __init__(self):
        self.issues = []
        self.sections = {}  # thematic number → section, in document order
        self.headed = set()  # thematics whose title comes from a « THEMATIQUE » heading
        self.shared_retex = []
        self.flagships = []
        self.current = None  # thematic of the last « THEMATIQUE N°… » heading
        self.mode = None  # "retex", "flagship", "intro" or None
        self.sheet = None
        self.flagship = None
        self.flagship_field = None
        self.in_impacts = False
        self.intro = None  # [where it starts, where it ends, lines not understood]
        self.pending = None  # "region" or "department": the next paragraph is its value
        self.region_names = []
        self.department_names = []
        self.template_tables = 0
        self.statement_count = 0
        self.places = {}  # id(part of the document) → where it was read
        # An export's bookmarks on statements: name → (thematic, stage, column, row, index);
        # its links and « not linked » marks: [(thematic, stage, column, row, index, kind,
        # name, where)], resolved once the whole document is read.
        self.bookmarks = {}
        self.link_marks = []

    # Reporting -----------------------------------------------------------------------------

    def error(self, where, message):
        self.issues.append(Issue(ERROR, where, message))

    def warn(self, where, message):
        self.issues.append(Issue(WARNING, where, message))

    @property
    def errors(self):
        return [issue for issue in self.issues if issue.level == ERROR]

    # Blocks -----------------------------------------------------------------------------------

    def build(self, blocks):
        for block in blocks:
            if isinstance(block, Table):
                self.table(block)
            else:
                self.paragraph(block)
        self.end_mode()
        return self.document()

    def end_mode(self):
        if self.mode == "intro" and self.intro[2]:
            start, end, _lines = self.intro
            span = start if start == end else f"{start} à {end}"
            self.warn(
                start,
                f"Bloc d'introduction ({span}) non importé : les sessions, animateurs et "
                "participants se saisissent dans l'administration ; ceux d'une synthèse "
                "déjà enregistrée sont conservés.",
            )
        self.mode = self.sheet = self.flagship_field = None
        self.in_impacts = False

    def paragraph(self, block):
        pieces = cell_statements(block.text) if has_exact([block.text]) else []
        if len(pieces) == 1 and pieces[0].role and self.exact_paragraph(pieces[0], block):
            return
        text = _LEADING_MARKS.sub("", plain(block.text))
        if not text and not block.links:
            return
        key, where = norm_key(text), block.where
        if self.pending:
            (self.region_names if self.pending == "region" else self.department_names).append(text)
            self.pending = None
            return
        if match := SECTION_HEADING.match(text):
            self.end_mode()
            self.section_heading(
                squash(match["title"]).rstrip(" :"), where, self.marked_thematic(block.text)
            )
        elif match := RETEX_HEADING.match(text):
            self.end_mode()
            self.start_sheet(
                int(match["number"]), squash(match["origin"] or ""), squash(match["rest"]), where
            )
        elif key.startswith("titre de la proposition"):
            self.end_mode()
            self.flagship = dict.fromkeys(FLAGSHIP_FIELDS, "")
            self.flagships.append(self.flagship)
            self.places[id(self.flagship)] = where
            self.mode, self.flagship_field = "flagship", "title"
        elif key == "introduction" or (match := REGION_LINE.match(text)):
            if self.mode != "intro":
                self.end_mode()
                self.mode, self.intro = "intro", [where, where, 0]
            self.intro[1] = where
            if match:
                self.take_value("region", match["value"])
        elif match := DEPARTMENT_LINE.match(text):
            self.take_value("department", match["value"])
        elif self.mode == "flagship":
            self.flagship_paragraph(text, key, where)
        elif key.startswith(TEMPLATE_TEXT) or STAGE_TITLE.match(key):
            self.end_mode()
        elif self.mode == "intro":
            self.intro[1] = where
            self.intro[2] += 1
        elif self.mode == "retex":
            self.sheet_paragraph(text, block.links, where)
        else:
            self.warn(where, f"Paragraphe non compris, non importé : « {excerpt(text)} »")

    def exact_paragraph(self, piece, block):
        """A paragraph of an export style outside the tables; False when its role means
        nothing here (it is then read like any paragraph)."""
        role, text, where = piece.role, piece.text, block.where
        if role == ROLE_TITLE:
            return True
        if role == ROLE_INTRODUCTION:
            if self.mode != "intro":
                self.end_mode()
                self.mode, self.intro = "intro", [where, where, 0]
            self.intro[1] = where
            self.intro[2] += 1
            return True
        if role == ROLE_RETEX and (match := EXACT_RETEX_HEADING.fullmatch(text)):
            self.end_mode()
            self.start_sheet(int(match["number"]), match["origin"] or "", "", where, exact=True)
            return True
        if role in (ROLE_RETEX_TITLE, ROLE_RETEX_TEXT) and self.mode == "retex" and self.sheet:
            if role == ROLE_RETEX_TITLE:
                self.sheet["titles"].append(text)
            else:
                self.sheet["paragraphs"].append(text)
            return True
        if role == ROLE_VALUE and self.mode == "flagship" and self.flagship_field:
            field = self.flagship_field
            if field in CHOICES:
                self.set_flagship(field, squash(text), where)
            elif field in FLAGSHIP_TEXT_FIELDS:
                value = self.flagship[field]
                self.flagship[field] = f"{value}\n\n{text}" if value else text
            else:  # a short field: its one value, as written
                self.flagship[field] = text
                self.flagship_field = None
            return True
        return False

    @staticmethod
    def marked_thematic(marked):
        """The national thematic an export's heading names by its bookmark, or None."""
        for piece in cell_statements(marked):
            for kind, name in piece.marks:
                if kind == "mark" and name.startswith("_egt"):
                    number = int(name[4:])
                    return number if number in THEMATIC_KEYWORDS else None
        return None

    def take_value(self, kind, value):
        value = squash(value)
        if value:
            (self.region_names if kind == "region" else self.department_names).append(value)
        else:
            self.pending = kind

    # Sections and RETEX sheets ---------------------------------------------------------------

    def section(self, number):
        if number not in self.sections:
            self.sections[number] = {
                "thematic": number,
                "title": "",
                "retex": [],
                **{stage.key: [] for stage in STAGES.values()},
            }
        return self.sections[number]

    def section_heading(self, title, where, thematic=None):
        number = thematic or thematic_of(title)
        self.current = number
        if number is None:
            self.error(
                where,
                f"Thématique non reconnue dans le titre « {excerpt(title)} » : le titre doit "
                "nommer l'une des cinq thématiques nationales.",
            )
            return
        section = self.section(number)
        if number not in self.headed:
            self.headed.add(number)
            section["title"] = title
            self.places[id(section)] = where

    def start_sheet(self, number, origin, title, where, exact=False):
        scope = self.section(self.current)["retex"] if self.current else self.shared_retex
        self.mode = "retex"
        self.sheet = {
            "number": number,
            "origin": origin,
            "title": title,
            "paragraphs": [],
            "links": [],
            # An export's sheet: its title is its own paragraph (never the first of the text).
            "exact": exact,
            "titles": [],
        }
        if number == 0 or any(sheet["number"] == number for sheet in scope):
            self.error(where, f"La fiche RETEX {number} apparaît deux fois (ou vaut 0).")
            return
        scope.append(self.sheet)
        self.places[id(self.sheet)] = where

    def sheet_paragraph(self, text, links, where):
        if match := URL_LINE.match(text) or MARKDOWN_LINK.match(text):
            links = [match["url"]]
            text = ""
        elif links and text in links:
            text = ""
        for url in links:
            try:
                if len(url) > max_length(RetexLink, "url"):
                    raise ValidationError("too long")
                _validate_url(url)
            except ValidationError:
                self.warn(where, f"Adresse de lien invalide, gardée dans le texte : « {url} »")
                text = f"{text} {url}".strip()
            else:
                self.sheet["links"].append(url)
        if text:
            self.sheet["paragraphs"].append(text)

    @staticmethod
    def finish_sheet(sheet):
        """Title: the words after the heading, else a short first paragraph."""
        paragraphs, title = list(sheet["paragraphs"]), sheet["title"]
        if sheet.get("exact"):
            title = " ".join(sheet["titles"])
        elif not title and paragraphs:
            single = len(paragraphs) == 1 and len(paragraphs[0]) <= 500
            if single or (len(paragraphs) > 1 and len(paragraphs[0]) <= 200):
                title = paragraphs.pop(0)
        return {
            "number": sheet["number"],
            "origin": sheet["origin"],
            "title": title,
            "text": "\n\n".join(paragraphs),
            "links": sheet["links"],
        }

    # Flagship proposal -------------------------------------------------------------------------

    def flagship_paragraph(self, text, key, where):
        if not key or key in FLAGSHIP_RUBRICS:
            return
        label = next(
            (
                (name, field)
                for name, field in FLAGSHIP_LABELS
                if key == name or (field not in (None, "impacts") and key.startswith(name + " "))
            ),
            None,
        )
        if label:
            field = label[1]
            self.flagship_field = None if field == "impacts" else field
            self.in_impacts = field == "impacts" or (self.in_impacts and field is not None)
            value = squash(text.split(":", 1)[1]) if ":" in text else ""
            if field not in (None, "impacts") and value:
                self.set_flagship(field, value, where)
            return
        if key == "a completer":
            if self.flagship_field not in FLAGSHIP_TEXT_FIELDS:
                self.flagship_field = None
            return
        if self.flagship_field:
            self.set_flagship(self.flagship_field, text, where)
        elif self.in_impacts and self.flagship["summary"]:
            # The summary overflowing into the impacts frame (a text box in the template).
            summary = self.flagship["summary"]
            glue = "\n\n" if summary.endswith((".", "!", "?", "…", ":", ";", "»", ")")) else " "
            self.flagship["summary"] = summary + glue + text
        else:
            self.warn(
                where, f"Paragraphe de la proposition phare non compris : « {excerpt(text)} »"
            )

    def set_flagship(self, field, value, where):
        flagship = self.flagship
        if field in CHOICES:
            choice = CHOICES[field].get(norm_key(value))
            if choice is None:
                self.warn(where, f"Valeur « {excerpt(value)} » non reconnue, laissée vide.")
            else:
                flagship[field] = choice
            self.flagship_field = None
        elif field in FLAGSHIP_TEXT_FIELDS:
            flagship[field] = f"{flagship[field]}\n\n{value}" if flagship[field] else value
        else:
            flagship[field] = f"{flagship[field]} {value}" if flagship[field] else value
            self.flagship_field = None

    # Tables -------------------------------------------------------------------------------------

    @staticmethod
    def heading_row(row):
        """The template table a row heads, if it reads like column headings: a row with a
        paragraph of an export style never does."""
        if any(has_exact(lines) for lines in row.cells):
            return None
        return header_columns([plain(" ".join(lines)) for lines in row.cells])

    def table(self, block):
        found, index = None, 0
        for index, row in enumerate(block.rows[:3]):  # noqa: B007 (index is used below)
            found = self.heading_row(row)
            if found:
                break
        if found is None:  # not a template table (introduction, flagship sheet): its text
            for row in block.rows:
                for column, lines in enumerate(row.cells):
                    if column not in row.continued:
                        for line in lines:
                            self.paragraph(Paragraph(line, row.where))
            return
        for row in block.rows[:index]:  # title rows above the header
            for lines in row.cells:
                for line in lines:
                    self.paragraph(Paragraph(line, row.where))
        self.end_mode()
        self.template_tables += 1
        stage, columns = found
        header = block.rows[index]
        for lines, column in zip(header.cells, columns, strict=True):
            if column is None and plain(" ".join(lines)):
                self.error(
                    header.where,
                    f"Colonne « {excerpt(plain(' '.join(lines)))} » non reconnue dans le "
                    f"tableau « {STAGE_LABELS[stage]} » : nommez-la comme le modèle national.",
                )
        named = [column for column in columns if column]
        for column in {column for column in named if named.count(column) > 1}:
            self.error(header.where, f"Deux colonnes du même nom ({column}) dans ce tableau.")
        for row in block.rows[index + 1 :]:
            if not self.heading_row(row):
                self.table_row(stage, columns, row)

    def table_row(self, stage, columns, row):
        cells = row.cells
        if len(cells) > len(columns) and any(
            plain(line) for lines in cells[len(columns) :] for line in lines
        ):
            self.error(
                row.where,
                f"{len(cells)} cellules pour {len(columns)} colonnes : la ligne ne correspond "
                "pas à l'en-tête du tableau.",
            )
            return
        cells = list(cells[: len(columns)]) + [[]] * (len(columns) - len(cells))
        values = {}
        for index, (column, lines) in enumerate(zip(columns, cells, strict=True)):
            if column and (column == "thematic" or index not in row.continued):
                values[column] = lines
        label_pieces = [
            piece for line in values.get("thematic", []) for piece in cell_statements(line)
        ]
        # An export's row: its label as written, its section the one above, kept even empty.
        exact = self.current is not None and any(p.role == ROLE_ROW for p in label_pieces)
        if not exact and not any(
            split_statements(line)
            for column, lines in values.items()
            if column != "thematic"
            for line in lines
        ):
            return  # an empty row of the template (bare ▶ bullets, perhaps its thematic)
        if exact:
            label = " ".join(p.text for p in label_pieces if p.role == ROLE_ROW)
            thematic = self.current
        else:
            label = squash(" ".join(p.text for p in label_pieces if p.text.strip()))
            thematic = thematic_of(label) if label else self.current
        if label and thematic is None:
            self.error(
                row.where,
                f"Thématique « {excerpt(label)} » non reconnue : la première colonne doit "
                "nommer l'une des cinq thématiques nationales.",
            )
            return
        if thematic is None:
            self.error(
                row.where,
                "Ligne sans thématique hors de toute section « THEMATIQUE N°… » : indiquez "
                "la thématique dans la première colonne.",
            )
            return
        if self.current and thematic != self.current and not exact:
            self.warn(
                row.where,
                f"Ligne de la thématique {thematic} sous le titre de la thématique "
                f"{self.current} : elle est rattachée à la thématique {thematic}.",
            )
        data = {"thematic_label": label}
        self.places[id(data)] = row.where
        section = self.section(thematic)
        if not section["title"]:  # no heading: the label as written, without its numbering
            section["title"] = LABEL_NUMBERING.sub("", label)
            self.places[id(section)] = row.where
        cells = STAGES_BY_KEY[stage].cells
        for cell in cells:
            pieces = [piece for line in values.get(cell.key, []) for piece in cell_statements(line)]
            horizons = [piece for piece in pieces if piece.role == ROLE_HORIZON]
            pieces = [piece for piece in pieces if piece.role != ROLE_HORIZON]
            data[cell.key], marks = self.statements(pieces, row.where)
            self.remember_marks(thematic, stage, cell.key, data, marks, row.where)
            if HORIZON in cell.row_keys:
                data[HORIZON] = self.horizon(data[cell.key], horizons, exact, row.where)
        if RETEX_REFERENCES in STAGES_BY_KEY[stage].row_keys:
            data[RETEX_REFERENCES], data["retex_label"] = self.retex_cell(values.get("retex", []))
        section[stage].append(data)

    @staticmethod
    def horizon(statements, horizons, exact, where):
        """A row's horizon: an export's horizon paragraph, else (outside an export's rows)
        the first statement of its « Quand » naming one, taken out of its statements."""
        if horizons:
            return HORIZONS.get(norm_key(horizons[0].text), "")
        if exact:
            return ""
        for position, statement in enumerate(statements):
            text = statement if isinstance(statement, str) else statement["text"]
            if norm_key(text) in HORIZONS:
                del statements[position]
                return HORIZONS[norm_key(text)]
        return ""

    def statements(self, pieces, where):
        """The statement documents of a cell's pieces, and the export marks of each."""
        result, marks = [], []
        for piece in pieces:
            text = piece.text
            if not text.strip():
                continue
            if piece.partly:
                self.warn(
                    where,
                    f"« {excerpt(text)} » n'est qu'en partie en gras ou en vert : "
                    "l'énoncé n'est pas mis en avant.",
                )
            if len(text) > STATEMENT_MAX_LENGTH:
                self.error(
                    where,
                    f"Énoncé de {len(text)} caractères (au plus {STATEMENT_MAX_LENGTH}) : "
                    f"« {excerpt(text)} »",
                )
            result.append(statement_document(text, piece.emphasised))
            marks.append(piece.marks)
        self.statement_count += len(result)
        return result, marks

    def remember_marks(self, thematic, stage, column, row, marks, where):
        """Notes the export's bookmarks on statements that may be linked to, and the links
        (or « not linked » marks) of linked statements, to resolve them at the end."""
        target = (stage, column) in LINKED_COLUMNS.values()
        linked = (stage, column) in LINKED_COLUMNS
        for index, statement_marks in enumerate(marks):
            for kind, name in statement_marks:
                if target and kind == "mark" and name.startswith("_egs"):
                    self.bookmarks.setdefault(name, (thematic, stage, column, row, index))
                elif linked and (kind == "anchor" or name.startswith("_egx")):
                    self.link_marks.append((thematic, stage, column, row, index, kind, name, where))

    def resolve_links(self):
        """Gives each statement an export linked (or marked as not linked) its exact source:
        {"row": r, "position": p} of the statement its link names in the same section, or
        None. A link to a statement no longer in the section is dropped with a warning: the
        statement is then linked by its text, as in any document."""
        for thematic, stage, column, row, index, kind, name, where in self.link_marks:
            statement = row[column][index]
            fields = (
                {"text": statement, "emphasised": False}
                if isinstance(statement, str)
                else dict(statement)
            )
            if "source" in fields:
                continue  # one mark per statement: the first one counts
            if kind == "mark":
                fields["source"] = None
            else:
                found = self.bookmarks.get(name)
                target_stage, target_column = LINKED_COLUMNS[(stage, column)]
                if found is None or found[:3] != (thematic, target_stage, target_column):
                    self.warn(
                        where,
                        f"Le lien de « {excerpt(fields['text'])} » mène à un énoncé qui "
                        "n'est plus dans sa thématique : il est relié par son texte, s'il "
                        "en existe un identique.",
                    )
                    continue
                *_, source_row, source_index = found
                rows = self.sections[thematic][target_stage]
                number = next(i for i, item in enumerate(rows, start=1) if item is source_row)
                fields["source"] = {"row": number, "position": source_index + 1}
            row[column][index] = fields

    @staticmethod
    def retex_cell(lines):
        numbers, labels = [], []
        for line in lines:
            for piece in cell_statements(line):
                text = piece.text
                if piece.role == ROLE_RETEX_LABEL:
                    if text.strip():
                        labels.append(text)
                elif not text.strip():
                    continue
                elif RETEX_NUMBERS.fullmatch(text):
                    numbers.extend(int(number) for number in re.findall(r"\d+", text))
                else:
                    labels.append(text)
        return sorted(set(numbers)), "\n".join(labels)

    # The document --------------------------------------------------------------------------------

    def document(self):
        self.resolve_links()
        shared = sorted(
            (self.finish_sheet(sheet) for sheet in self.shared_retex), key=lambda s: s["number"]
        )
        sections = []
        for section in self.sections.values():
            sheets = sorted(
                (self.finish_sheet(sheet) for sheet in section["retex"]),
                key=lambda s: s["number"],
            )
            available = {sheet["number"] for sheet in sheets + shared}
            for row in section["diagnostic"]:
                missing = [number for number in row["retex"] if number not in available]
                if missing:
                    cited = ", ".join(str(number) for number in missing)
                    self.warn(
                        self.places.get(id(row), ""),
                        f"RETEX {cited} cité mais absent du document : gardé comme texte.",
                    )
                    row["retex"] = [number for number in row["retex"] if number in available]
                    extra = "\n".join(f"RETEX {number}" for number in missing)
                    row["retex_label"] = "\n".join(filter(None, [row["retex_label"], extra]))
            sections.append({**section, "retex": sheets})
        for flagship in self.flagships:
            if not flagship["title"]:
                self.error(self.places[id(flagship)], "Proposition phare sans titre.")
        document = {"retex": shared, "sections": sections, "flagship_proposals": self.flagships}
        self.check_lengths(document)
        if self.statement_count > MAX_STATEMENTS:
            self.error(
                "document",
                f"{self.statement_count} énoncés : un import est limité à {MAX_STATEMENTS}.",
            )
        return document

    def check_lengths(self, document):
        def check(value, limit, where, what):
            if len(value) > limit:
                self.error(where, f"{what} trop long ({len(value)} caractères, au plus {limit}).")

        for section in document["sections"]:
            where = self.places.get(id(self.sections[section["thematic"]]), "titre")
            check(section["title"], max_length(ThematicSection, "title"), where, "Titre")
            for sheet in section["retex"] + document["retex"]:
                label = f"RETEX {sheet['number']}"
                check(sheet["origin"], max_length(RetexSheet, "origin"), label, "Origine")
                check(sheet["title"], max_length(RetexSheet, "title"), label, "Titre")
                check(sheet["text"], TEXT_MAX_LENGTH, label, "Texte")
            for stage in STAGES.values():
                for row in section[stage.key]:
                    check(
                        row["thematic_label"],
                        max_length(stage.row_model, "thematic_label"),
                        self.places.get(id(row), ""),
                        "Intitulé de thématique",
                    )
                    label = row.get("retex_label", "")
                    where = self.places.get(id(row), "")
                    check(label, TEXT_MAX_LENGTH, where, "RETEX (texte libre)")
        for flagship in document["flagship_proposals"]:
            for field in FLAGSHIP_FIELDS:
                # The text fields have no limit in the database: the forms' one.
                limit = max_length(FlagshipProposal, field) or TEXT_MAX_LENGTH
                label = FlagshipProposal._meta.get_field(field).verbose_name
                check(flagship[field], limit, self.places[id(flagship)], label.capitalize())
