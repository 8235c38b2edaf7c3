"""What an export holds: syntheses as a reader reads them, in the nested document's form.

Every format is written from the same `Bundle`: for each synthesis, its own fields and its
content as `backup_document` writes it (positions as stored, each linked statement with the
row and position of its source), taken from the stored tables, or from the published version
that this reader reads instead (etatsgeneraux.publishing: a published synthesis is
read by those who do not manage it as last published, like its page and its PDF). The
reference data the formats print (thematics, participant categories, regions, departments)
comes with it. Loading costs a constant number of queries, whatever the number of syntheses.

The views below (`sections`, `statements`…) walk that document for the formats, with the
stable identifiers they all share (see `ids`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.utils import timezone

from etatsgeneraux.exchange.documents import (
    RETEX_REFERENCES,
    backup_document,
    load_syntheses,
    synthesis_fields,
)
from etatsgeneraux.stages import LINKED_COLUMNS, STAGES, Cell, Stage
from workshops.models import (
    Department,
    ParticipantCategory,
    PublishedVersion,
    Region,
    Synthesis,
    Thematic,
)
from workshops.permissions import versions_read_by

from . import ids


class ExportRefused(Exception):
    """The content cannot be exported as it is; the message says why, in French."""


@dataclass
class Entry:
    """One synthesis of an export, as its reader reads it."""

    synthesis: Synthesis  # the stored row: id, dates
    fields: dict  # slug, title, year, status, region, department, parent (codes and slugs)
    content: dict  # backup_document's form
    version: PublishedVersion | None = None  # the published version read, if any

    @property
    def slug(self):
        return self.fields["slug"]

    @property
    def modified_at(self):
        """When what is exported last changed: the publication read, or the last change."""
        return self.version.published_at if self.version else self.synthesis.updated_at


@dataclass
class Bundle:
    entries: list
    thematics: dict  # number → Thematic
    categories: dict  # number → ParticipantCategory
    regions: dict  # code → Region
    departments: dict  # code → Department
    exported_at: datetime = field(default_factory=timezone.now)
    national: bool = False  # everything the reader may read, rather than one synthesis

    @cached_property
    def name(self):
        """The stem of the files: the synthesis's slug, or « syntheses » for the set."""
        return "syntheses" if self.national else self.entries[0].slug

    @property
    def title(self):
        if self.national:
            return "Synthèses des États généraux du numérique pour l’éducation"
        return self.entries[0].fields["title"]


def collect(syntheses, *, user=None, national=False, versions=None):
    """The Bundle of these syntheses as `user` reads them (None, the command line: as stored);
    `versions`: the published versions they read ({synthesis id: PublishedVersion}), when the
    caller knows them already.

    Raises ExportRefused for content that a backup could not hold either (a statement linked
    to one of another section, which the models' validation forbids).
    """
    syntheses = list(syntheses)
    if versions is None:
        versions = versions_read_by(user, syntheses)
    documents = dict(
        PublishedVersion.objects.filter(pk__in=[v.pk for v in versions.values()]).values_list(
            "pk", "document"
        )
    )
    loaded = {s.pk: s for s in load_syntheses([s for s in syntheses if s.pk not in versions])}
    entries = []
    for synthesis in syntheses:
        version = versions.get(synthesis.pk)
        if version is not None:
            document = documents[version.pk]
            entries.append(Entry(synthesis, document["synthesis"], document["content"], version))
            continue
        stored = loaded[synthesis.pk]
        try:
            content = backup_document(stored, loaded=True)
        except ValueError as error:
            raise ExportRefused(f"Synthèse « {stored.slug} » : {error}") from error
        entries.append(Entry(stored, synthesis_fields(stored), content))
    return Bundle(
        entries=entries,
        thematics={t.number: t for t in Thematic.objects.all()},
        categories={c.number: c for c in ParticipantCategory.objects.all()},
        regions={r.code: r for r in Region.objects.all()},
        departments={d.code: d for d in Department.objects.all()},
        national=national,
    )


# Walking the content ------------------------------------------------------------------------


@dataclass
class StatementView:
    cell: Cell
    data: dict  # {"position", "text", "emphasised"(, "source")}
    id: str
    row: "RowView"
    source: "StatementView | None" = None  # resolved after the whole section is read

    @property
    def position(self):
        return self.data["position"]

    @property
    def text(self):
        """As written (a linked statement may have none: it shows its source's)."""
        return self.data["text"]

    @property
    def emphasised(self):
        return self.data["emphasised"]

    @property
    def shown(self):
        """What the platform shows: the linked statement's text, else its own."""
        return self.source.text if self.source is not None else self.text


@dataclass
class RowView:
    stage: Stage
    data: dict
    id: str
    section: "SectionView"
    cells: dict = field(default_factory=dict)  # cell key → [StatementView]
    sheets: list = field(default_factory=list)  # the RETEX sheets cited (their documents)

    @property
    def position(self):
        return self.data["position"]

    @property
    def retex_numbers(self):
        return ", ".join(str(sheet["number"]) for sheet in self.sheets)


@dataclass
class SectionView:
    entry: Entry
    data: dict
    thematic: Thematic
    stages: dict = field(default_factory=dict)  # stage key → [RowView]

    @property
    def title(self):
        """As the synthesis names it (« Gouvernance et anticipation »), else the national one."""
        return self.data["title"] or self.thematic.title

    @property
    def number(self):
        return self.data["thematic"]


def sections(bundle, entry):
    """[SectionView] of an entry, in order, with rows, statements and links resolved."""
    shared = entry.content["retex"]
    views = []
    for data in entry.content["sections"]:
        section = SectionView(entry, data, bundle.thematics[data["thematic"]])
        own = {sheet["number"]: sheet for sheet in data["retex"]}
        by_number = {sheet["number"]: sheet for sheet in shared}
        # Per linked-to column: (row position, position) → StatementView.
        targets = {target: {} for target in LINKED_COLUMNS.values()}
        for stage in STAGES.values():
            rows = []
            for row_data in data[stage.key]:
                row = RowView(
                    stage,
                    row_data,
                    ids.row(entry.slug, section.number, stage, row_data["position"]),
                    section,
                )
                for reference in row_data.get(RETEX_REFERENCES, []):
                    if isinstance(reference, dict):  # {"number": n, "shared": true}
                        row.sheets.append(by_number[reference["number"]])
                    else:
                        row.sheets.append(own.get(reference) or by_number[reference])
                for cell in stage.cells:
                    items = []
                    for item in row_data[cell.key]:
                        statement = StatementView(
                            cell,
                            item,
                            ids.statement(
                                entry.slug,
                                section.number,
                                stage,
                                row_data["position"],
                                cell,
                                item["position"],
                            ),
                            row,
                        )
                        source = item.get("source")
                        if source is not None:
                            target = targets[LINKED_COLUMNS[(stage.key, cell.key)]]
                            statement.source = target[(source["row"], source["position"])]
                        if (stage.key, cell.key) in targets:
                            targets[(stage.key, cell.key)][
                                (row_data["position"], item["position"])
                            ] = statement
                        items.append(statement)
                    row.cells[cell.key] = items
                rows.append(row)
            section.stages[stage.key] = rows
        views.append(section)
    return views


def sheet_id(entry, sheet, section=None):
    """The id of a RETEX sheet of an entry (`section`: a SectionView, None if shared)."""
    return ids.sheet(entry.slug, section.number if section else None, sheet["number"])


def retex_sheets(entry):
    """[(section document, or None for a shared sheet; sheet document)], shared sheets first."""
    items = [(None, sheet) for sheet in entry.content["retex"]]
    for section in entry.content["sections"]:
        items += [(section, sheet) for sheet in section["retex"]]
    return items
