"""Editing a thematic section on the workshop board: the rules that span several models.

The board shows the three stages of a section as tables; every cell of a row is an ordered
list of statements. `STAGES` and `CELLS` describe them once, for the views, the forms and
the templates. Every change runs in a transaction, locks the list it reorders (so that two
facilitators adding to the same cell at once never collide on a position), records the
change on the synthesis (`Synthesis.touch`) and raises the section's change marker, which
the other pages open on the board watch (`live`).
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import (
    F,
    Max,
    Prefetch,
    Q,
    RestrictedError,
    prefetch_related_objects,
)

from etatsgeneraux.stages import (
    CELLS_BY_MODEL,
    DIAGNOSTIC,
    MAX_STATEMENTS_PER_SYNTHESIS,
    STAGES,
    statement_count,
)
from workshops.changes import changing
from workshops.historical import RESTORE, SHIFT, record, with_history
from workshops.models import (
    DiagnosticRow,
    RetexLink,
    RetexReference,
    RetexSheet,
    ThematicSection,
)
from workshops.text import NBSP

from . import live

# Changing ------------------------------------------------------------------------------------


@contextmanager
def _changing(section, *, everywhere=False):
    """`workshops.changes.changing` for a change of this section made on its board: only this
    section's change marker is raised (`live.on_content_changed`), and its new token kept on
    the section (`section.live_token`) for the answer. `everywhere`: a RETEX sheet, which may
    be common to all the sections of the synthesis (on each of their boards)."""
    with changing(section.synthesis) as change:
        if not everywhere:
            change.sections = [section.pk]
        yield change
    if change.changed:
        section.live_token = live.token(section.pk, change.live_versions[section.pk])


# Loading -----------------------------------------------------------------------------------


def _statements(cell):
    queryset = cell.model.objects.order_by("position")
    if cell.linked:
        queryset = queryset.select_related("source")
    return Prefetch(cell.related_name, queryset)


def attach_cells(row, stage, number=None, cells=None):
    """Gives a row the list of (cell, statements) the templates iterate over, and its number."""
    row.stage = stage
    row.ref = str(row.pk)  # for element ids: cheaper to render than a number
    cells = stage.cells if cells is None else cells
    row.cells = [(cell, list(getattr(row, cell.related_name).all())) for cell in cells]
    row.statement_count = sum(len(items) for _, items in row.cells)
    if number is not None:
        row.number = number
    return row


def _stage_rows(stage, cells=None):
    rows = stage.row_model.objects.order_by("position").prefetch_related(
        *(_statements(cell) for cell in (stage.cells if cells is None else cells))
    )
    if stage.slug == DIAGNOSTIC:
        rows = rows.prefetch_related(_retex_references())
    return rows


def _retex_references():
    return Prefetch(
        "retex_references",
        RetexReference.objects.select_related("sheet").order_by("sheet__number"),
    )


def load_stage_rows(section, stage):
    """The rows of one stage with their statements, numbered (one query per table)."""
    rows = _stage_rows(stage).filter(section=section)
    return [attach_cells(row, stage, number) for number, row in enumerate(rows, start=1)]


def load_board(section):
    """Everything the board shows for a section, in a constant number of queries."""
    prefetch_related_objects(
        [section],
        *(Prefetch(stage.related_name, _stage_rows(stage)) for stage in STAGES.values()),
    )
    section.stages = []
    for stage in STAGES.values():
        rows = getattr(section, stage.related_name).all()
        numbered = [attach_cells(row, stage, number) for number, row in enumerate(rows, start=1)]
        section.stages.append((stage, numbered))
    section.sheets = section_sheets(section)
    return section


def section_sheets(section, pk=None):
    """The RETEX sheets of a section, then those its synthesis shares with every section.

    Each link gets `href`, empty unless it is a web address (never `javascript:`).
    """
    sheets = (
        RetexSheet.objects.filter(synthesis_id=section.synthesis_id)
        .filter(Q(section=section) | Q(section__isnull=True))
        .prefetch_related(Prefetch("links", RetexLink.objects.order_by("position")))
        .order_by(F("section").asc(nulls_last=True), "number")
    )
    if pk is not None:
        sheets = sheets.filter(pk=pk)
    return list(sheets)


def sheet_choices(section):
    """The sheets a diagnostic row of the section may cite."""
    return (
        RetexSheet.objects.filter(synthesis_id=section.synthesis_id)
        .filter(Q(section=section) | Q(section__isnull=True))
        .order_by(F("section").asc(nulls_last=True), "number")
    )


def load_row(stage, section, row_id, *, cells=None):
    """One row of a section with the statements of `cells` (all by default), or LookupError.

    Its number (its rank in the table) costs one more query.
    """
    row = _stage_rows(stage, cells).filter(section=section, pk=row_id).first()
    if row is None:
        raise LookupError(row_id)
    row.section = section  # known: the history finds its place without a query
    number = stage.row_model.objects.filter(section=section, position__lte=row.position).count()
    return attach_cells(row, stage, number, cells)


def statement_in_section(cell, section, pk):
    """A statement of `cell` in this section (its row loaded), or LookupError."""
    queryset = cell.model.objects.select_related("row").filter(row__section=section, pk=pk)
    if cell.linked:
        queryset = queryset.select_related("source")
    statement = queryset.first()
    if statement is None:
        raise LookupError(pk)
    statement.row.section = section  # known: the history finds its place without a query
    return statement


def link_sources(cell, section):
    """The statements a linked cell may point to: those of the earlier stage, same section."""
    return (
        cell.source_cell.model.objects.filter(row__section=section)
        .select_related("row")
        .order_by("row__position", "position")
    )


def grouped_link_sources(cell, section):
    """The same, grouped by row: [(row number, [statements])], for the choice list."""
    stage = cell.source_cell.stage
    numbers = {
        pk: number
        for number, pk in enumerate(
            stage.row_model.objects.filter(section=section)
            .order_by("position")
            .values_list("pk", flat=True),
            start=1,
        )
    }
    groups = {}
    for statement in link_sources(cell, section):
        groups.setdefault(numbers[statement.row_id], []).append(statement)
    return list(groups.items())


# Ordered lists -----------------------------------------------------------------------------


def _lock(model, pk):
    """Serialises the changes to one ordered list by locking the object it hangs on."""
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _scope(item):
    scope = type(item).position_scope
    return scope, getattr(item, f"{scope}_id"), type(item)._meta.get_field(scope).related_model


def move(section, item, direction):
    """Swaps an item with its neighbour above ("up") or below ("down") in its list.

    The unique (scope, position) constraint is kept at every step: the item waits at a free
    position past the end while its neighbour takes its place. Returns False at an end.
    """
    model = type(item)
    scope, scope_id, scope_model = _scope(item)
    with _changing(section) as change:
        _lock(scope_model, scope_id)
        siblings = model.objects.filter(**{f"{scope}_id": scope_id})
        position = siblings.filter(pk=item.pk).values_list("position", flat=True).first()
        if position is None:
            raise LookupError(item.pk)
        if direction == "up":
            neighbour = siblings.filter(position__lt=position).order_by("-position").first()
        else:
            neighbour = siblings.filter(position__gt=position).order_by("position").first()
        if neighbour is None:
            change.nothing_changed()
            return False
        free = siblings.aggregate(last=Max("position"))["last"] + 1
        model.objects.filter(pk=item.pk).update(position=free)
        model.objects.filter(pk=neighbour.pk).update(position=position)
        model.objects.filter(pk=item.pk).update(position=neighbour.position)
        item.position = neighbour.position
        record(model.objects.filter(pk__in=[item.pk, neighbour.pk]))  # updates send no signal
    return True


def _make_room(model, scope, scope_id, position):
    """Frees `position` in a list by moving the items from there on one place down.

    In two steps, past the end and back, so that no update ever meets a taken position
    (PostgreSQL checks a unique constraint row by row).
    """
    siblings = model.objects.filter(**{f"{scope}_id": scope_id})
    if not siblings.filter(position=position).exists():
        return
    offset = siblings.aggregate(last=Max("position"))["last"] + 1
    siblings.filter(position__gte=position).update(position=F("position") + offset)
    siblings.filter(position__gte=position + offset).update(position=F("position") - offset + 1)
    record(siblings.filter(position__gt=position), reason=SHIFT)  # updates send no signal


# Statements --------------------------------------------------------------------------------


def add_statement(section, row, cell, *, text, emphasised=False, source=None, position=None):
    """Adds a statement at the end of a cell (or at `position`, for an undone deletion)."""
    return _insert_statement(
        section, row, cell, text=text, emphasised=emphasised, source=source, position=position
    )


def _insert_statement(section, row, cell, *, revive=False, **values):
    """Adds a statement; with `revive`, the deleted statement it is (if any) comes back."""
    position = values.pop("position")
    source = values.pop("source")
    statement = cell.model(row=row, **values)
    if cell.linked:
        statement.source = source
    with _changing(section):
        _lock(type(row), row.pk)
        _refuse_beyond_limit(section)
        revived = _deleted_statement(cell, row, values["text"], position) if revive else None
        if revived is not None:  # the same statement, so that its history goes on
            statement.pk, statement.version = revived[0], revived[1] + 1
            statement._change_reason = RESTORE
        if position is not None:
            # A position from a request goes no further than just past the end: a huge one
            # would leave no room for the next statement (integer out of range).
            last = cell.model.objects.filter(row=row).aggregate(last=Max("position"))["last"]
            position = min(position, (last or 0) + 1)
            _make_room(cell.model, "row", row.pk, position)
            statement.position = position
        statement.full_clean(exclude=["row", "position"])
        statement.save(force_insert=True)
    return statement


def _refuse_beyond_limit(section):
    """ValidationError once the synthesis holds the most statements it may (stages.py)."""
    if statement_count(section.synthesis_id) >= MAX_STATEMENTS_PER_SYNTHESIS:
        limit = f"{MAX_STATEMENTS_PER_SYNTHESIS:,}".replace(",", NBSP)
        raise ValidationError(
            f"Cette synthèse compte déjà {limit}{NBSP}énoncés, le plus qu’elle puisse en "
            f"tenir{NBSP}: supprimez-en avant d’en ajouter."
        )


def _deleted_statement(cell, row, text, position):
    """(id, version) of the statement of this row deleted last with this text and position,
    or None. ValidationError if it is back already (restored from the history meanwhile):
    undoing its deletion again would make a copy."""
    if position is None:
        return None
    deleted = (
        cell.model.history.model.objects.filter(
            history_type="-", row_id=row.pk, text=text, position=position
        )
        .order_by("-history_id")
        .values_list("id", "version")
        .first()
    )
    if deleted is not None and cell.model.objects.filter(pk=deleted[0]).exists():
        raise ValidationError(
            "Cet énoncé a déjà été restauré entre-temps (depuis l’historique)\u00a0: "
            "il est de nouveau à sa place."
        )
    return deleted


def save_statement(section, statement, expected_version, **values):
    """Writes the new text (and link) if nobody saved the statement since it was loaded.

    Raises `StaleEditError` (holding the statement as now stored, or None if deleted) and
    `ValidationError`; nothing is written then.
    """
    for name, value in values.items():
        setattr(statement, name, value)
    statement.full_clean(exclude=["row", "position"], validate_unique=False)
    return _save_if_unchanged(section, statement, expected_version, values)


def set_emphasis(section, statement, expected_version, emphasised):
    statement.emphasised = emphasised
    return _save_if_unchanged(section, statement, expected_version, {"emphasised": emphasised})


def _save_if_unchanged(section, obj, expected_version, values):
    """Writes `values` (already set on `obj`) unless someone saved it meanwhile."""
    with _changing(section):
        obj.save_if_unchanged(expected_version, list(values))
    return obj


def _dependents_message(error):
    """Why an object cannot be deleted: later statements are linked to it (or to its content)."""
    labels = []
    for dependent in sorted(error.restricted_objects, key=lambda obj: (obj._meta.label, obj.pk)):
        row = dependent.row
        rank = type(row).objects.filter(section=row.section_id, position__lte=row.position).count()
        cell = CELLS_BY_MODEL[type(dependent)]  # a linked column: main irritants, axes
        labels.append(f"{cell.noun}, ligne {rank} {cell.stage.row_noun.removeprefix('ligne ')}")
    unique = list(dict.fromkeys(labels))
    return (
        "Suppression impossible\u00a0: un énoncé est relié à une étape suivante ("
        + "\u00a0; ".join(unique)
        + "). Retirez d’abord ce lien."
    )


def delete(section, obj):
    """Deletes a statement, a row or a RETEX sheet; ValidationError if something links to it."""
    try:
        # A RETEX sheet may be common to all the sections, and cited by any of their rows.
        with _changing(section, everywhere=isinstance(obj, RetexSheet)):
            obj.delete()
    except RestrictedError as error:
        raise ValidationError(_dependents_message(error)) from error


def restore_statement(section, row, cell, *, text, emphasised, source_id, position):
    """Puts back a deleted statement at its place (its link too, if the source still exists)."""
    source = None
    if cell.linked and source_id:
        source = link_sources(cell, section).filter(pk=source_id).first()
        if source is None and not text.strip():
            raise ValidationError(
                f"Le {cell.link_label} auquel cet énoncé était relié a été supprimé entre-temps."
            )
    return _insert_statement(
        section,
        row,
        cell,
        text=text,
        emphasised=emphasised,
        source=source,
        position=position,
        revive=True,
    )


# Rows ----------------------------------------------------------------------------------------


def add_row(section, stage):
    with _changing(section):
        _lock(ThematicSection, section.pk)
        row = stage.row_model.objects.create(section=section)
    return row


def save_row_retex(section, row, expected_version, *, sheets, label):
    """The RETEX a diagnostic row cites (sheets and free label), if nobody changed them."""
    row.retex_label = label
    with _changing(section):
        row.save_if_unchanged(expected_version, ["retex_label"])
        RetexReference.objects.filter(row=row).exclude(sheet__in=sheets).delete()
        cited = set(RetexReference.objects.filter(row=row).values_list("sheet_id", flat=True))
        with_history(RetexReference).bulk_create(
            RetexReference(row=row, sheet=sheet) for sheet in sheets if sheet.pk not in cited
        )
    return row


def save_row_horizon(section, row, expected_version, horizon):
    row.horizon = horizon
    return _save_if_unchanged(section, row, expected_version, {"horizon": horizon})


# RETEX sheets --------------------------------------------------------------------------------


def next_sheet_number(section):
    numbers = RetexSheet.objects.filter(synthesis_id=section.synthesis_id).filter(
        Q(section=section) | Q(section__isnull=True)
    )
    return (numbers.aggregate(last=Max("number"))["last"] or 0) + 1


def save_sheet(section, sheet, links, *, expected_version=None):
    """Creates (no version) or updates a RETEX sheet with its links, all or nothing."""
    with _changing(section, everywhere=True):  # it may be common to all the sections
        if sheet.pk is None:
            sheet.synthesis_id = section.synthesis_id
            if sheet.section_id is None:
                sheet.section = section
            sheet.save()
        else:
            sheet.save_if_unchanged(expected_version, ["number", "origin", "title", "text"])
            sheet.links.all().delete()
        with_history(RetexLink).bulk_create(
            RetexLink(sheet=sheet, position=position, url=url, label=label)
            for position, (url, label) in enumerate(links, start=1)
        )
    return sheet


def rows_citing(section, sheet_ids):
    """The diagnostic rows that cite these sheets (their RETEX column must be redrawn)."""
    return _with_refs(
        DiagnosticRow.objects.filter(section=section, retex_references__sheet_id__in=sheet_ids)
        .distinct()
        .prefetch_related(_retex_references())
    )


def diagnostic_rows(section, pks):
    return _with_refs(
        DiagnosticRow.objects.filter(section=section, pk__in=pks).prefetch_related(
            _retex_references()
        )
    )


def _with_refs(rows):
    rows = list(rows)
    for row in rows:
        row.ref = str(row.pk)
    return rows
