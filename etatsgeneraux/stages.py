"""The three stages of a workshop and their ten columns, declared once.

The national template gives every thematic three tables: the diagnostic (RETEX, irritants,
strengths), the projections (main irritants, needs, levers) and the action plan (axes,
actions, actors, timings, indicators). Everything that names, counts, loads, exports or
imports a column derives from this registry: the board (URLs, labels, `maxlength`), the
synthesis page's counts, the history's French nouns, the PDF, the nested document of
backups and imports, the import report and the benchmarks. Adding a column is adding a
`Cell` here (and its model and migration).

Each column has several names, one per audience: `slug` in URLs and element ids
(« temporalites »), `key` in the nested document (« timing », kept as written in backups
and imports since the first version), `related_name` on the row model (« timings »).
"""

from dataclasses import dataclass, field

from actionplans.models import Action, ActionPlanRow, Actor, Axis, Indicator, Timing
from workshops.models import (
    STATEMENT_MAX_LENGTH,
    DiagnosticRow,
    Irritant,
    Lever,
    LinkedStatement,
    MainIrritant,
    Need,
    ProjectionRow,
    Strength,
)

DIAGNOSTIC, PROJECTIONS, ACTION_PLAN = "diagnostic", "projections", "plan-action"


@dataclass(frozen=True)
class Cell:
    """A column of statements in a stage's table."""

    slug: str  # URLs and element ids
    key: str  # the nested document (backups, imports, exports)
    model: type
    related_name: str  # on the row
    label: str  # the column header, as the national template writes it
    new_label: str  # the label of the field that adds a statement
    stage_slug: str
    noun: str  # one statement, in messages and the history: « axe (Quoi) »
    plural: str  # « axes (Quoi) »
    short: str  # the import report's shorter noun: « axe »
    short_plural: str
    feminine: bool = False  # « cette action », « supprimée »
    # Header prefixes of the template's tables (accents, spaces and punctuation removed)
    # that name this column in an imported document; the longest matching prefix wins.
    headings: tuple = ()
    # A heading that also names a column of another stage (« Irritants »): the stage is
    # then told by the table's other columns.
    ambiguous_heading: bool = False
    # For linked statements: the cell whose statements may be linked, and how to name them.
    source_cell_slug: str | None = None
    link_label: str = ""
    max_length: int = STATEMENT_MAX_LENGTH
    # Keys of the row written just before this column's statements in the nested document:
    # row fields this column's cell shows above its statements (the horizon, in « Quand »).
    row_keys: tuple = ()

    @property
    def linked(self):
        return issubclass(self.model, LinkedStatement)

    @property
    def stage(self):
        return STAGES[self.stage_slug]

    @property
    def source_cell(self):
        return CELLS[self.source_cell_slug] if self.source_cell_slug else None

    @property
    def count_attribute(self):
        """The annotation that counts this column's statements in a section."""
        return f"{self.key}_count"

    def counted(self, number):
        """« 0 irritant », « 1 irritant », « 2 irritants » (French keeps 0 and 1 singular)."""
        return f"{number}\u00a0{self.noun if number < 2 else self.plural}"

    @property
    def this(self):
        """« cet irritant », « ce besoin », « cette action »."""
        if self.feminine:
            return f"cette {self.noun}"
        return f"{'cet' if self.noun[0] in 'aeiouhéè' else 'ce'} {self.noun}"


@dataclass(frozen=True)
class Stage:
    """One of the three tables of a thematic section."""

    slug: str  # URLs and element ids
    key: str  # the nested document
    number: int
    row_model: type
    related_name: str  # on the section
    label: str  # the tab, the synthesis page and the history
    table_caption: str  # the table's title, as the national template writes it
    row_noun: str  # « ligne du diagnostic »
    cells: tuple = field(default_factory=tuple)
    # The import report's name of the stage, and the import's name of its table.
    short_label: str = ""
    table_name: str = ""
    # A row's own keys in the nested document, before its statement columns (after its
    # position in a backup): the Thématique column's label, the diagnostic's RETEX column
    # (« retex »: the numbers of the sheets it cites, « retex_label »: free text).
    row_keys: tuple = ("thematic_label",)

    def cell(self, slug):
        for cell in self.cells:
            if cell.slug == slug:
                return cell
        raise LookupError(slug)

    def cell_by_key(self, key):
        for cell in self.cells:
            if cell.key == key:
                return cell
        raise LookupError(key)

    @property
    def keys(self):
        """The document keys of its columns, in the table's order."""
        return [cell.key for cell in self.cells]

    @property
    def row_count_attribute(self):
        return f"{self.key}_row_count"


_CELLS = [
    Cell(
        "irritants",
        "irritants",
        Irritant,
        "irritants",
        "Irritants",
        "Nouvel irritant",
        DIAGNOSTIC,
        "irritant",
        "irritants",
        "irritant",
        "irritants",
        headings=("irritant",),
        ambiguous_heading=True,
    ),
    Cell(
        "points-forts",
        "strengths",
        Strength,
        "strengths",
        "Points forts",
        "Nouveau point fort",
        DIAGNOSTIC,
        "point fort",
        "points forts",
        "point fort",
        "points forts",
        headings=("pointsforts", "pointfort"),
    ),
    Cell(
        "irritants-principaux",
        "main_irritants",
        MainIrritant,
        "main_irritants",
        "Irritants principaux",
        "Nouvel irritant principal",
        PROJECTIONS,
        "irritant principal",
        "irritants principaux",
        "irritant principal",
        "irritants principaux",
        headings=("irritantsprincipaux", "irritantprincipal"),
        source_cell_slug="irritants",
        link_label="irritant du diagnostic",
    ),
    Cell(
        "besoins",
        "needs",
        Need,
        "needs",
        "Besoin(s)",
        "Nouveau besoin",
        PROJECTIONS,
        "besoin",
        "besoins",
        "besoin",
        "besoins",
        headings=("besoin",),
    ),
    Cell(
        "leviers",
        "levers",
        Lever,
        "levers",
        "Axes d’amélioration ou leviers",
        "Nouvel axe d’amélioration ou levier",
        PROJECTIONS,
        "axe d’amélioration ou levier",
        "axes d’amélioration ou leviers",
        "levier",
        "leviers",
        headings=("axesdamelioration", "axedamelioration", "levier"),
    ),
    Cell(
        "axes",
        "axes",
        Axis,
        "axes",
        "Axes d’amélioration principaux (Quoi)",
        "Nouvel axe (Quoi)",
        ACTION_PLAN,
        "axe (Quoi)",
        "axes (Quoi)",
        "axe",
        "axes",
        headings=(
            "axesdameliorationprincipaux",
            "axedameliorationprincipal",
            "axesprincipaux",
            "quoi",
        ),
        source_cell_slug="leviers",
        link_label="levier des projections",
    ),
    Cell(
        "actions",
        "actions",
        Action,
        "actions",
        "Actions à mener (Comment)",
        "Nouvelle action",
        ACTION_PLAN,
        "action (Comment)",
        "actions (Comment)",
        "action",
        "actions",
        feminine=True,
        headings=("actionsamener", "actionamener", "actions", "comment"),
    ),
    Cell(
        "acteurs",
        "actors",
        Actor,
        "actors",
        "Acteurs mobilisés (Qui)",
        "Nouvel acteur",
        ACTION_PLAN,
        "acteur (Qui)",
        "acteurs (Qui)",
        "acteur",
        "acteurs",
        headings=("acteur", "qui"),
    ),
    Cell(
        "temporalites",
        "timing",
        Timing,
        "timings",
        "Temporalité souhaitée (Quand)",
        "Nouvelle temporalité",
        ACTION_PLAN,
        "temporalité (Quand)",
        "temporalités (Quand)",
        "temporalité",
        "temporalités",
        feminine=True,
        headings=("temporalite", "quand"),
        row_keys=("horizon",),
    ),
    Cell(
        "indicateurs",
        "indicators",
        Indicator,
        "indicators",
        "Indicateurs et facteurs de réussite",
        "Nouvel indicateur",
        ACTION_PLAN,
        "indicateur ou facteur de réussite",
        "indicateurs ou facteurs de réussite",
        "indicateur",
        "indicateurs",
        headings=("indicateur", "facteursdereussite"),
    ),
]
CELLS = {cell.slug: cell for cell in _CELLS}
CELLS_BY_KEY = {cell.key: cell for cell in _CELLS}

STAGES = {
    stage.slug: stage
    for stage in [
        Stage(
            DIAGNOSTIC,
            "diagnostic",
            1,
            DiagnosticRow,
            "diagnostic_rows",
            "Retour d’expérience et diagnostic",
            "Diagnostic des points forts et irritants",
            "ligne du diagnostic",
            short_label="Diagnostic",
            table_name="diagnostic des points forts et irritants",
            row_keys=("thematic_label", "retex", "retex_label"),
        ),
        Stage(
            PROJECTIONS,
            "projections",
            2,
            ProjectionRow,
            "projection_rows",
            "Projections",
            "Synthèse des besoins & axes d’amélioration",
            "ligne des projections",
            short_label="Projections",
            table_name="synthèse des besoins et axes d’amélioration",
        ),
        Stage(
            ACTION_PLAN,
            "action_plan",
            3,
            ActionPlanRow,
            "action_plan_rows",
            "Plan d’action",
            "Plan d’action pour répondre aux besoins et activer les leviers",
            "ligne du plan d’action",
            short_label="Plan d’action",
            table_name="plan d’action",
        ),
    ]
}
for _stage in STAGES.values():
    object.__setattr__(_stage, "cells", tuple(c for c in _CELLS if c.stage_slug == _stage.slug))
STAGES_BY_KEY = {stage.key: stage for stage in STAGES.values()}

# The nested document's columns, stage by stage: {"diagnostic": ["irritants", ...], ...}.
STAGE_COLUMNS = {stage.key: stage.keys for stage in STAGES.values()}
# Linked columns in the document: (stage key, column key) → (stage key, column key) of the
# statements they link to.
LINKED_COLUMNS = {
    (cell.stage.key, cell.key): (cell.source_cell.stage.key, cell.source_cell.key)
    for cell in _CELLS
    if cell.source_cell_slug
}
CELLS_BY_MODEL = {cell.model: cell for cell in _CELLS}

# The most statements a synthesis may hold, all columns together: an import refuses a
# document beyond it, the board an addition (README, « Importer une synthèse », limits).
# The largest real regional synthesis holds about 500.
MAX_STATEMENTS_PER_SYNTHESIS = 10_000


def statement_count(synthesis_id):
    """How many statements the synthesis holds, in every column (one query)."""
    counts = [
        cell.model.objects.filter(row__section__synthesis_id=synthesis_id).order_by().values("pk")
        for cell in _CELLS
    ]
    return counts[0].union(*counts[1:], all=True).count()
