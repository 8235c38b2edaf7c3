"""What an import recognised, what it did, and every part it did not understand."""

from collections import Counter

from etatsgeneraux.exchange.documents import statement_fields
from etatsgeneraux.stages import CELLS_BY_KEY, STAGE_COLUMNS, STAGES

from .builder import ERROR, WARNING
from .markup import straight_apostrophes

OUTCOMES = {
    "refused": "Import refusé : rien n'a été écrit.",
    "failed": "Import refusé : le document contient des erreurs, rien n'a été écrit.",
    "created": "Synthèse créée.",
    "replaced": "Contenu de la synthèse remplacé par celui du document.",
    "unchanged": "Aucun changement : le document est identique à la synthèse enregistrée, "
    "rien n'a été écrit.",
    "would_create": "Simulation : la synthèse serait créée. Rien n'a été écrit.",
    "would_replace": "Simulation : le contenu de la synthèse serait remplacé. Rien n'a été écrit.",
}
# The names of the stages and columns (etatsgeneraux.stages), by their document keys.
STAGE_NAMES = {stage.key: straight_apostrophes(stage.short_label) for stage in STAGES.values()}
COLUMN_NAMES = {key: (cell.short, cell.short_plural) for key, cell in CELLS_BY_KEY.items()}


def capitalized(text):
    return text[:1].upper() + text[1:]


def count(number, singular, plural):
    """French agreement: 0 and 1 take the singular."""
    return f"{number} {singular if number < 2 else plural}"


class ImportReport:
    def __init__(self, *, filename, slug, dry_run=False):
        self.filename = filename
        self.slug = slug
        self.dry_run = dry_run
        self.format = ""
        self.outcome = None
        self.refusal = ""
        self.issues = []
        self.document = None
        self.thematic_titles = {}
        self.changes = []  # what replacing the stored synthesis changes, in French
        self.elapsed = 0.0

    # State ---------------------------------------------------------------------------------

    def refuse(self, message):
        self.outcome, self.refusal, self.issues = "refused", message, []

    @property
    def ok(self):
        return self.outcome not in (None, "refused", "failed")

    @property
    def errors(self):
        return [issue for issue in self.issues if issue.level == ERROR]

    @property
    def warnings(self):
        return [issue for issue in self.issues if issue.level == WARNING]

    @property
    def outcome_text(self):
        return OUTCOMES.get(self.outcome, "")

    @property
    def elapsed_text(self):
        return f"{self.elapsed:.2f}".replace(".", ",") + " s"

    @property
    def failure_message(self):
        if self.outcome == "refused":
            return self.refusal
        return (
            f"Import refusé : {count(len(self.errors), 'erreur', 'erreurs')} dans le document, "
            "rien n'a été écrit."
        )

    # Counts ----------------------------------------------------------------------------------

    def sections(self):
        """Per thematic section: its title and the counts of each stage, for display."""
        result = []
        for section in (self.document or {}).get("sections", []):
            stages = []
            emphasised = 0
            for stage, columns in STAGE_COLUMNS.items():
                rows = section.get(stage, [])
                parts = [count(len(rows), "ligne", "lignes")]
                for column in columns:
                    statements = [s for row in rows for s in row.get(column, [])]
                    emphasised += sum(1 for s in statements if statement_fields(s)["emphasised"])
                    parts.append(count(len(statements), *COLUMN_NAMES[column]))
                horizons = sum(1 for row in rows if row.get("horizon"))
                if horizons:
                    parts.append(count(horizons, "horizon", "horizons"))
                stages.append({"name": STAGE_NAMES[stage], "counts": parts})
            result.append(
                {
                    "thematic": section["thematic"],
                    "thematic_title": self.thematic_titles.get(section["thematic"], ""),
                    "title": section.get("title", ""),
                    "retex": count(len(section.get("retex", [])), "fiche RETEX", "fiches RETEX"),
                    "stages": stages,
                    "emphasised": count(emphasised, "énoncé mis en avant", "énoncés mis en avant"),
                }
            )
        return result

    def totals(self):
        document = self.document or {}
        return [
            count(len(document.get("retex", [])), "fiche RETEX commune", "fiches RETEX communes"),
            count(
                len(document.get("flagship_proposals", [])),
                "proposition phare",
                "propositions phares",
            ),
        ]

    # Text --------------------------------------------------------------------------------------

    def as_text(self):
        kind = f" ({self.format})" if self.format else ""
        lines = [
            f"Import de « {self.filename} »{kind} dans la synthèse « {self.slug} »",
            self.outcome_text,
        ]
        if self.outcome == "refused":
            lines.append(self.refusal)
        elif self.document is not None:
            lines.append("")
            lines.append("Reconnu :")
            for section in self.sections():
                title = f" – « {section['title']} »" if section["title"] else ""
                lines.append(
                    f"  Thématique {section['thematic']} ({section['thematic_title']}){title}"
                )
                lines.append(f"    RETEX : {section['retex']}")
                for stage in section["stages"]:
                    lines.append(f"    {stage['name']} : " + ", ".join(stage["counts"]))
                lines.append(f"    {capitalized(section['emphasised'])}")
            for total in self.totals():
                lines.append(f"  {capitalized(total)}")
        if self.changes:
            lines.append("")
            lines.append("Changements :")
            lines.extend(f"  {change}" for change in self.changes)
        for title, issues in (
            ("Erreurs", self.errors),
            ("Non compris ou non importé", self.warnings),
        ):
            if issues:
                lines.append("")
                lines.append(f"{title} ({len(issues)}) :")
                lines.extend(f"  {issue.where} : {issue.message}" for issue in issues)
        lines.append("")
        lines.append(f"Durée : {self.elapsed_text}")
        return "\n".join(lines)


def describe_changes(previous, document, metadata_changed=False):
    """Short French sentences saying what differs between two normalized documents."""
    changes = []
    if metadata_changed:
        changes.append("Région, département ou synthèse parente modifiés.")
    if previous["retex"] != document["retex"]:
        changes.append("Fiches RETEX communes modifiées.")
    before = {section["thematic"]: section for section in previous["sections"]}
    after = {section["thematic"] for section in document["sections"]}
    if [number for number in before if number in after] != [
        section["thematic"] for section in document["sections"] if section["thematic"] in before
    ]:
        changes.append("Ordre des sections modifié.")
    for number in before:
        if number not in after:
            changes.append(f"Thématique {number} : section absente du document, supprimée.")
    for section in document["sections"]:
        thematic, old = section["thematic"], before.get(section["thematic"])
        if old is None:
            changes.append(f"Thématique {thematic} : nouvelle section.")
            continue
        if old["title"] != section["title"]:
            changes.append(f"Thématique {thematic} : titre modifié.")
        if old["retex"] != section["retex"]:
            changes.append(f"Thématique {thematic} : fiches RETEX modifiées.")
        for stage, columns in STAGE_COLUMNS.items():
            parts = _stage_changes(old[stage], section[stage], columns)
            if parts:
                changes.append(f"Thématique {thematic}, {STAGE_NAMES[stage].lower()} : {parts}.")
    if previous["flagship_proposals"] != document["flagship_proposals"]:
        changes.append("Propositions phares modifiées.")
    return changes


def _stage_changes(old_rows, new_rows, columns):
    def texts(rows):
        return Counter(
            (column, statement_fields(item)["text"])
            for row in rows
            for column in columns
            for item in row[column]
        )

    def emphasised(rows):
        return Counter(
            (column, statement_fields(item)["text"])
            for row in rows
            for column in columns
            for item in row[column]
            if statement_fields(item)["emphasised"]
        )

    def shape(rows):
        return [
            ({k: v for k, v in row.items() if k not in columns}, [len(row[c]) for c in columns])
            for row in rows
        ]

    old, new = texts(old_rows), texts(new_rows)
    added, removed = sum((new - old).values()), sum((old - new).values())
    parts = []
    if added:
        parts.append(count(added, "énoncé ajouté", "énoncés ajoutés"))
    if removed:
        parts.append(count(removed, "énoncé retiré", "énoncés retirés"))
    if emphasised(old_rows) != emphasised(new_rows):
        parts.append("mises en avant modifiées")
    if not parts and shape(old_rows) != shape(new_rows):
        parts.append("lignes réorganisées ou intitulés modifiés")
    return ", ".join(parts)
