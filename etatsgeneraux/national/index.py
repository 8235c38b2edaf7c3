"""The search index (actionplans.IndexedStatement): what every regional statement, RETEX
sheet and flagship proposal says, where it is, and its words for the full-text search.

Rebuilt whole by `rebuild_search_index`; kept in step by `content_changed`: every change of
a synthesis re-indexes the sections it touched (the whole synthesis when the change does
not say), once the change is committed.
"""

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction

from actionplans.models import FlagshipProposal, IndexedStatement
from etatsgeneraux.stages import CELLS, STAGES
from workshops.changes import content_changed
from workshops.models import RetexSheet, Synthesis

from . import words

RETEX, FLAGSHIP = "retex", "proposition-phare"
CONFIG = "french_unaccent"  # migration actionplans 0005
BATCH = 2000


def kind_label(kind):
    """« Irritants », « Fiches RETEX »…: the column (or sheet) a kind names."""
    if kind == RETEX:
        return "Fiches RETEX"
    if kind == FLAGSHIP:
        return "Propositions phares"
    return CELLS[kind].label if kind in CELLS else kind


def _rank(section_position, stage_number, column, row_position, position):
    return (((section_position * 10 + stage_number) * 10 + column) * 1000 + row_position) * 1000 + (
        position % 1000
    )


def _entry(synthesis, kind, obj, text, *, thematic_id=None, stage="", emphasised=False, rank=0):
    return IndexedStatement(
        kind=kind,
        object_id=obj.pk,
        synthesis_id=synthesis.pk,
        region_id=synthesis.region_id,
        department_id=synthesis.department_id,
        thematic_id=thematic_id,
        stage=stage,
        emphasised=emphasised,
        text=text,
        rank=min(rank, 2**31 - 1),
        terms=" ".join(words.stems(text)) if connection.vendor == "sqlite" else "",
    )


def entries_of(synthesis, section_ids=None):
    """The index entries of a synthesis (of these sections only, when given)."""
    entries = []
    for cell in CELLS.values():
        column = cell.stage.cells.index(cell)
        statements = cell.model.objects.filter(row__section__synthesis=synthesis).select_related(
            "row__section"
        )
        if section_ids is not None:
            statements = statements.filter(row__section__in=section_ids)
        if cell.linked:
            statements = statements.select_related("source")
        for statement in statements:
            section, text = statement.row.section, statement.display_text
            if not text.strip():
                continue
            entries.append(
                _entry(
                    synthesis,
                    cell.slug,
                    statement,
                    text,
                    thematic_id=section.thematic_id,
                    stage=cell.stage_slug,
                    emphasised=statement.emphasised,
                    rank=_rank(
                        section.position,
                        cell.stage.number,
                        column,
                        statement.row.position,
                        statement.position,
                    ),
                )
            )
    sheets = RetexSheet.objects.filter(synthesis=synthesis).select_related("section")
    if section_ids is not None:
        sheets = sheets.filter(section__in=section_ids)
    for sheet in sheets:
        text = " – ".join(part for part in (sheet.title, sheet.text) if part.strip())
        if text:
            position = sheet.section.position if sheet.section_id else 0
            entries.append(
                _entry(
                    synthesis,
                    RETEX,
                    sheet,
                    text,
                    thematic_id=sheet.section.thematic_id if sheet.section_id else None,
                    stage=STAGES["diagnostic"].slug,
                    rank=_rank(position, 0, 0, 0, sheet.number),
                )
            )
    if section_ids is None:
        for proposal in FlagshipProposal.objects.filter(synthesis=synthesis):
            text = " – ".join(part for part in (proposal.title, proposal.summary) if part.strip())
            entries.append(
                _entry(
                    synthesis, FLAGSHIP, proposal, text, rank=_rank(9, 9, 0, 0, proposal.position)
                )
            )
    return entries


def index_synthesis(synthesis, section_ids=None):
    """Replaces the entries of a synthesis (of these sections) by what it says now.

    Under the synthesis's row lock: two changes committed at the same moment re-index in
    turn, the second one deleting what the first inserted, instead of both inserting the
    same statements (a unique violation on PostgreSQL)."""
    with transaction.atomic():
        synthesis.lock()
        stale = IndexedStatement.objects.filter(synthesis=synthesis)
        if section_ids is not None:
            from workshops.models import ThematicSection

            thematics = ThematicSection.objects.filter(pk__in=section_ids).values("thematic")
            stale = stale.filter(thematic__in=thematics).exclude(kind=FLAGSHIP)
        stale.delete()
        entries = entries_of(synthesis, section_ids)
        IndexedStatement.objects.bulk_create(entries, batch_size=BATCH)
        vectorise(IndexedStatement.objects.filter(synthesis=synthesis, vector__isnull=True))
    return len(entries)


def vectorise(entries):
    if connection.vendor == "postgresql":
        entries.update(vector=SearchVector("text", config=CONFIG))


def rebuild(progress=None):
    """Rebuilds the whole index; returns how many entries it holds."""
    total = 0
    with transaction.atomic():
        IndexedStatement.objects.all().delete()
        syntheses = list(Synthesis.objects.order_by("pk"))
        for number, synthesis in enumerate(syntheses, 1):
            entries = entries_of(synthesis)
            IndexedStatement.objects.bulk_create(entries, batch_size=BATCH)
            total += len(entries)
            if progress:
                progress(number, len(syntheses))
        vectorise(IndexedStatement.objects.all())
    return total


def _reindex_on_commit(sender, synthesis, change, **kwargs):
    sections = None if change.sections is None else list(change.sections)
    # robust: the change is committed by then; a failed re-index is logged (and repaired by
    # the next change or `rebuild_search_index`), it never turns the saved change into an error.
    transaction.on_commit(lambda: index_synthesis(synthesis, sections), robust=True)


def connect_signals():
    content_changed.connect(_reindex_on_commit, dispatch_uid="national-search-index")
