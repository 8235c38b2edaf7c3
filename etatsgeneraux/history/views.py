"""The history of a synthesis: the page listing its changes, and restoring what was deleted.

What is recorded, and how, is workshops/historical.py. This module reads it:

- `history_page` lists the changes of one synthesis, newest first, fifty per page, for the
  users who may edit it (`views.editable_synthesis`: a reader who may not edit gets a 403,
  a stranger a 404), filtered by type, thematic, author, dates and text (`filters.py`: the
  filters are the URL's, so a filtered history is a link to share). Whatever the
  synthesis's size and the filters, a page costs the same queries: one for the authors of
  its changes, one to count, one for the page's keys across the historical tables (a
  UNION), one for the page's records with what each looked like before (another UNION);
- `restore_view` puts back a deleted statement, row (with the statements and RETEX
  citations deleted with it) or RETEX sheet (with its links and citations), at its old
  place, with its emphasis and link; all or nothing, recorded in the history as a
  restoration by the user who asked for it.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import IntegrityError, models
from django.db.models import Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.views.decorators.http import require_POST, require_safe

from actionplans.followup import (
    ActionProgress,
    FollowUpSettings,
    IndicatorTarget,
    JournalEntry,
    Measurement,
)
from actionplans.models import Action, FlagshipProposal, Indicator
from etatsgeneraux.board import editing
from etatsgeneraux.stages import CELLS, DIAGNOSTIC, STAGES
from workshops.changes import changing
from workshops.forms import positive_int
from workshops.historical import IMPORT, RESTORE, SHIFT, object_key, with_history
from workshops.models import (
    DiagnosticRow,
    Facilitator,
    ParticipantCategory,
    Participation,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Synthesis,
    Thematic,
    ThematicSection,
)
from workshops.permissions import editable_synthesis
from workshops.text import NBSP

from .filters import NAMES as FILTER_NAMES
from .filters import TEXT_MAX_LENGTH, Filters, HistoryFilterForm, author_name

PAGE_SIZE = 50
NO_FILTER = Filters()

# Kinds of objects --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A model whose history the page shows, and how to name its objects in French."""

    key: str
    model: type
    noun: str  # "irritant", "ligne du diagnostic"
    feminine: bool = False
    stage: object = None  # editing.Stage, for statements and rows
    cell: object = None  # editing.Cell, for statements
    restorable: str = ""  # "statement", "row" or "sheet"

    @property
    def history_model(self):
        return vars(self.model)["history"].model

    @property
    def e(self):
        return "e" if self.feminine else ""

    @property
    def this(self):
        """« cet irritant », « ce besoin », « cette action »."""
        if self.feminine:
            return f"cette {self.noun}"
        return f"{'cet' if self.noun[0] in 'aeiouhéè' else 'ce'} {self.noun}"

    @property
    def where(self):
        """The stage (and column) of the board the object belongs to."""
        if self.cell is not None:
            return f"{self.stage.label} · {self.cell.label}"
        return self.stage.label if self.stage is not None else ""


KINDS = [
    Kind("synthese", Synthesis, "synthèse", True),
    Kind("sessions", Session, "session d’ateliers", True),
    Kind("animateurs", Facilitator, "personne animatrice", True),
    Kind("participations", Participation, "participation", True),
    Kind("sections", ThematicSection, "section thématique", True),
    Kind("fiches-retex", RetexSheet, "fiche RETEX", True, restorable="sheet"),
    Kind("liens-retex", RetexLink, "lien d’une fiche RETEX"),
    Kind("citations-retex", RetexReference, "citation d’une fiche RETEX", True),
    *(
        Kind(
            f"lignes-{stage.slug}",
            stage.row_model,
            stage.row_noun,
            True,
            stage=stage,
            restorable="row",
        )
        for stage in STAGES.values()
    ),
    *(
        Kind(
            cell.slug,
            cell.model,
            cell.noun,
            cell.feminine,
            stage=cell.stage,
            cell=cell,
            restorable="statement",
        )
        for cell in CELLS.values()
    ),
    Kind("propositions", FlagshipProposal, "proposition phare", True),
    # The follow-up of the action plans (etatsgeneraux/followup).
    Kind("suivi-actions", ActionProgress, "suivi d’une action"),
    Kind("journal-suivi", JournalEntry, "point du journal de suivi"),
    Kind("valeurs-indicateurs", IndicatorTarget, "valeurs d’un indicateur", True),
    Kind("mesures", Measurement, "mesure d’un indicateur", True),
    Kind("reglages-suivi", FollowUpSettings, "réglages du suivi"),
]
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


# Reading the history -------------------------------------------------------------------------


def _null(field):
    return Cast(Value(None), output_field=field)


def _has(model, name):
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _records(kind, synthesis, filters):
    """The records of one kind of this synthesis that the filters keep."""
    lookups = {"history_synthesis_id": synthesis.pk}
    if filters.change_type:
        lookups["history_type"] = filters.change_type
    if filters.thematic_id is not None:
        lookups["history_thematic_id"] = filters.thematic_id or None
    if filters.author_id is not None:
        lookups["history_user_id"] = filters.author_id or None
    if filters.since is not None:
        lookups["history_date__gte"] = filters.since
    if filters.until is not None:
        lookups["history_date__lt"] = filters.until
    records = kind.history_model.objects.filter(**lookups).order_by()
    if filters.text:
        # What the page shows of the object (a linked statement: the statement it links).
        shown, _column = _text_expression(kind)
        records = records.annotate(shown_text=Cast(shown, output_field=models.TextField())).filter(
            shown_text__icontains=filters.text
        )
    return records


def _members(synthesis, filters, kinds=KINDS):
    """One queryset per kind: the records of this synthesis, as (kind, id, date) rows."""
    return [
        _records(kind, synthesis, filters)
        .annotate(
            k=Value(KINDS.index(kind), models.IntegerField()),
            hid=F("history_id"),
            hdate=F("history_date"),
        )
        .values_list("k", "hid", "hdate")
        for kind in kinds
    ]


def history_keys(synthesis, filters=NO_FILTER):
    """(kind index, history id, date) of every record of a synthesis that the filters keep,
    newest first: one query over all the historical tables, to paginate."""
    first, *others = _members(synthesis, filters)
    return first.union(*others, all=True).order_by("-hdate", "-k", "-hid")


def history_authors(synthesis):
    """The users who changed this synthesis, by name: one query over the historical tables."""
    first, *others = [
        kind.history_model.objects.filter(history_synthesis_id=synthesis.pk)
        .order_by()
        .values("history_user_id")
        for kind in KINDS
    ]
    authors = get_user_model().objects.filter(pk__in=first.union(*others))
    return sorted(authors, key=lambda user: (author_name(user).casefold(), user.pk))


def _text_expression(kind):
    """What the page shows of an object (text, title...), and the column it comes from."""
    model = kind.model
    if kind.cell is not None:
        if not kind.cell.linked:
            return F("text"), "text"
        source = kind.cell.source_cell.model
        source_text = Subquery(
            source.objects.filter(pk=OuterRef("source_id")).values("text")[:1],
            output_field=models.TextField(),
        )
        recorded_text = Subquery(
            vars(source)["history"]
            .model.objects.filter(id=OuterRef("source_id"))
            .order_by("-history_id")
            .values("text")[:1],
            output_field=models.TextField(),
        )
        # A linked statement shows the statement it is linked to.
        return Coalesce(NullIf(F("text"), Value("")), source_text, recorded_text), "text"
    if model is Participation:
        label = ParticipantCategory.objects.filter(pk=OuterRef("category_id")).values("label")
        return Subquery(label[:1], output_field=models.TextField()), None
    if model is ThematicSection:
        title = Thematic.objects.filter(pk=OuterRef("thematic_id")).values("title")
        return Coalesce(
            NullIf(F("title"), Value("")), Subquery(title[:1], output_field=models.TextField())
        ), "title"
    for name in ("title", "name", "url"):
        if _has(model, name):
            return F(name), name
    for name, parent in (("action", Action), ("indicator", Indicator)):
        if _has(model, name):  # the follow-up: the action or indicator it is about
            live = parent.objects.filter(pk=OuterRef(f"{name}_id")).values("text")
            recorded = (
                parent.history.model.objects.filter(id=OuterRef(f"{name}_id"))
                .order_by("-history_id")
                .values("text")
            )
            return Coalesce(
                Subquery(live[:1], output_field=models.TextField()),
                Subquery(recorded[:1], output_field=models.TextField()),
            ), None
    return _null(models.TextField()), None


def _number_expression(kind):
    """The number of a RETEX sheet, or of the sheet a citation names."""
    if kind.model is RetexSheet:
        return F("number"), "number"
    if kind.model is RetexReference:
        live = RetexSheet.objects.filter(pk=OuterRef("sheet_id")).values("number")
        recorded = (
            RetexSheet.history.model.objects.filter(id=OuterRef("sheet_id"))
            .order_by("-history_id")
            .values("number")
        )
        return Coalesce(
            Subquery(live[:1], output_field=models.IntegerField()),
            Subquery(recorded[:1], output_field=models.IntegerField()),
        ), None
    return _null(models.IntegerField()), None


def _details_member(kind, ids):
    """The records `ids` of one kind, in the columns every kind shares."""
    historical = kind.history_model
    previous = historical.objects.filter(
        id=OuterRef("id"), history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")

    def before(column, field):
        if column is None:
            return _null(field)
        return Subquery(previous.values(column)[:1], output_field=field)

    def own(name, field):
        return (F(name), name) if _has(kind.model, name) else (_null(field), None)

    integer, text, boolean = models.IntegerField(), models.TextField(), models.BooleanField()
    text_value, text_column = _text_expression(kind)
    number_value, number_column = _number_expression(kind)
    position_value, position_column = own("position", integer)
    emphasis_value, emphasis_column = own("emphasised", boolean)
    if kind.cell is not None and kind.cell.linked:
        source_value, source_column = F("source_id"), "source_id"
    else:
        source_value, source_column = _null(integer), None
    later = historical.objects.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    present = (
        Exists(kind.model._default_manager.filter(pk=OuterRef("id")))
        if kind.restorable
        else Value(True, output_field=boolean)
    )
    columns = {
        "k": Value(KINDS.index(kind), integer),
        "hid": F("history_id"),
        "hdate": F("history_date"),
        "htype": F("history_type"),
        "huser": F("history_user_id"),
        "hreason": F("history_change_reason"),
        "hthematic": F("history_thematic_id"),
        "oid": F("id"),
        "txt": Cast(text_value, output_field=text),
        "own_txt": F(text_column) if text_column else _null(text),
        "num": number_value,
        "pos": position_value,
        "emph": emphasis_value,
        "src": source_value,
        "prev_hid": before("history_id", integer),
        "prev_txt": before(text_column, text),
        "prev_num": before(number_column, integer),
        "prev_pos": before(position_column, integer),
        "prev_emph": before(emphasis_column, boolean),
        "prev_src": before(source_column, integer),
        "present": present,
        "latest": ~Exists(later),
    }
    return (
        historical.objects.filter(history_id__in=ids)
        .order_by()
        .annotate(**columns)
        .values(*columns)
    )


def load_entries(keys, users=None):
    """The page's records, in the order of `keys`, as `Entry` objects: one query, and one for
    their authors unless `users` ({id: user}) has them."""
    by_kind = {}
    for index, history_id, _date in keys:
        by_kind.setdefault(index, []).append(history_id)
    if not by_kind:
        return []
    first, *others = [_details_member(KINDS[index], ids) for index, ids in by_kind.items()]
    rows = first.union(*others, all=True) if others else first
    found = {(row["k"], row["hid"]): row for row in rows}
    if users is None:
        users = get_user_model().objects.in_bulk(
            {row["huser"] for row in found.values() if row["huser"] is not None}
        )
    return [
        Entry(KINDS[index], found[index, history_id], users)
        for index, history_id, _date in keys
        if (index, history_id) in found
    ]


def short(text, length=120):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class Entry:
    """One change as the history page shows it."""

    def __init__(self, kind, row, users):
        self.kind = kind
        self.history_id = row["hid"]
        self.date = row["hdate"]
        self.type = row["htype"]
        self.reason = row["hreason"] or ""
        self.thematic_id = row["hthematic"]
        self.thematic = None  # set by the view
        user = users.get(row["huser"])
        self.author = author_name(user) if user else "inconnu"
        self.text = short(row["txt"])
        self.number = row["num"]
        self.restorable = bool(
            kind.restorable and self.type == "-" and row["latest"] and not row["present"]
        )
        self.changes = self._changes(row) if self.type == "~" else []
        # A change of an object loaded without history (loaddata): what it was is unknown.
        self.first_known = self.type == "~" and row["prev_hid"] is None
        self.action = self._action()

    def _changes(self, row):
        """What a modification changed, as (label, before, after): text (as written),
        number, emphasis, link, position."""
        changes = []
        if row["prev_txt"] is not None and row["prev_txt"] != row["own_txt"]:
            changes.append(("Texte", short(row["prev_txt"]), short(row["own_txt"])))
        if row["prev_num"] is not None and row["prev_num"] != row["num"]:
            changes.append(("Numéro", str(row["prev_num"]), str(row["num"])))
        if row["prev_emph"] is not None and row["prev_emph"] != row["emph"]:
            changes.append(
                (
                    "Mise en avant",
                    "oui" if row["prev_emph"] else "non",
                    "oui" if row["emph"] else "non",
                )
            )
        if row["prev_src"] != row["src"] and self.kind.cell is not None and self.kind.cell.linked:
            before = "relié" if row["prev_src"] else "non relié"
            after = "relié" if row["src"] else "non relié"
            changes.append((f"Lien vers un {self.kind.cell.link_label}", before, after))
        if row["prev_pos"] is not None and row["prev_pos"] != row["pos"]:
            changes.append(("Position", str(row["prev_pos"]), str(row["pos"])))
        return changes

    def _action(self):
        e = self.kind.e
        if self.type == "+":
            verb = "restauré" if self.reason == RESTORE else "ajouté"
        elif self.type == "-":
            verb = "supprimé"
        elif self.changes and all(label == "Position" for label, _b, _a in self.changes):
            verb = "décalé" if self.reason == SHIFT else "déplacé"
        else:
            verb = "modifié"
        action = f"{capfirst(self.kind.noun)} {verb}{e}"
        if self.reason == IMPORT:
            action += " par un import"
        return action

    @property
    def label(self):
        """The object: its text or title (a RETEX sheet or citation: its number)."""
        if self.kind.model in (RetexSheet, RetexReference) and self.number is not None:
            return f"RETEX {self.number}" + (f"{NBSP}: {self.text}" if self.text else "")
        return self.text


# The page ------------------------------------------------------------------------------------


@require_safe
@editable_synthesis
def history_page(request, synthesis):
    thematics = list(Thematic.objects.order_by("number"))
    authors = history_authors(synthesis)
    form = HistoryFilterForm(request.GET, thematics=thematics, authors=authors)
    keys = history_keys(synthesis, form.filters())
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = load_entries(list(page.object_list), users={user.pk: user for user in authors})
    by_id = {t.pk: t for t in thematics}
    for entry in entries:
        entry.thematic = by_id.get(entry.thematic_id)
    query = form.query()
    context = {
        "synthesis": synthesis,
        "entries": entries,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "form": form,
        "selected": {name: form.value_of(name) for name in FILTER_NAMES},
        "errors": form.shown_errors,
        "filter_query": urlencode(query),
        "return_query": urlencode({**query, "page": page.number}),
    }
    response = render(request, "history/page.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


def _back(synthesis, data):
    """The history page the restore was asked from (its filters and page)."""
    url = reverse("history:page", args=[synthesis.slug])
    asked = QueryDict(data.get("retour", "")[:1000])
    kept = {
        name: asked[name][:TEXT_MAX_LENGTH] for name in (*FILTER_NAMES, "page") if asked.get(name)
    }
    return f"{url}?{urlencode(kept)}" if kept else url


@require_POST
@editable_synthesis
def restore_view(request, synthesis):
    kind = KINDS_BY_KEY.get(request.POST.get("type", ""))
    history_id = positive_int(request.POST.get("enregistrement", ""))
    if kind is None or not kind.restorable or history_id is None:
        messages.error(request, f"Restauration impossible{NBSP}: la demande est incomplète.")
        return redirect(_back(synthesis, request.POST))
    try:
        message = restore(synthesis, kind, history_id)
    except RestoreRefused as refusal:
        messages.error(request, f"Restauration impossible{NBSP}: {refusal}")
    else:
        messages.success(request, message)
    return redirect(_back(synthesis, request.POST))


# Restoring -----------------------------------------------------------------------------------


class RestoreRefused(Exception):
    """The deletion cannot be undone; the message says why, in French."""


def restore(synthesis, kind, history_id):
    """Puts back what a deletion record describes, all or nothing; returns what to tell."""
    try:
        with changing(synthesis):
            record = (
                kind.history_model.objects.filter(
                    history_id=history_id, history_synthesis_id=synthesis.pk
                )
                .select_for_update()
                .first()
            )
            if record is None or record.history_type != "-":
                raise RestoreRefused(
                    "cette suppression n’est pas dans l’historique de la synthèse."
                )
            if kind.model._default_manager.filter(pk=record.id).exists():
                raise RestoreRefused(
                    f"{kind.this} a déjà été restauré{kind.e}{NBSP}: rien n’a été modifié."
                )
            if kind.history_model.objects.filter(
                id=record.id, history_id__gt=record.history_id
            ).exists():
                raise RestoreRefused(
                    f"{kind.this} a été restauré{kind.e} puis supprimé{kind.e} de nouveau"
                    f"{NBSP}: restaurez sa dernière suppression, plus haut dans l’historique."
                )
            restorer = {
                "statement": _restore_statement,
                "row": _restore_row,
                "sheet": _restore_sheet,
            }[kind.restorable]
            message = restorer(synthesis, kind, record)
    except IntegrityError:  # someone restored or filled the same place at the same moment
        raise RestoreRefused(
            "quelqu’un a modifié cette liste au même moment. Rechargez la page et réessayez."
        ) from None
    return message


def _revive(record):
    """The object as the record describes it, ready to be inserted again (same id)."""
    obj = record.instance
    if hasattr(obj, "version"):
        obj.version = record.version + 1  # an edit form opened before the deletion is stale
    obj._change_reason = RESTORE
    return obj


def _deleted_with(model, origin, **filters):
    """The records of the objects the deletion of `origin` took away and that are still gone."""
    historical = vars(model)["history"].model
    later = historical.objects.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    return (
        historical.objects.filter(
            history_type="-", history_deleted_with=object_key(origin), **filters
        )
        .filter(~Exists(later), ~Exists(model._default_manager.filter(pk=OuterRef("id"))))
        .order_by("history_id")
    )


def _keep_link(cell, section, statement, number=None):
    """Keeps a restored statement's link if its source still exists in the section."""
    if not cell.linked or statement.source_id is None:
        return
    sources = cell.source_cell.model.objects.filter(pk=statement.source_id, row__section=section)
    if sources.exists():
        return
    statement.source_id = None
    if not statement.text.strip():
        which = "" if number is None else f" (le n°{NBSP}{number} de la ligne)"
        raise RestoreRefused(
            f"l’{cell.noun}{which} était relié à un {cell.link_label} "
            f"supprimé depuis, et n’a pas de texte à lui{NBSP}: restaurez d’abord "
            f"{'cet' if cell.link_label[0] in 'aeiou' else 'ce'} {cell.link_label}."
        )


def _restore_statement(synthesis, kind, record):
    cell = kind.cell
    row = (
        cell.stage.row_model.objects.filter(pk=record.row_id, section__synthesis=synthesis)
        .select_related("section__thematic")
        .first()
    )
    if row is None:
        raise RestoreRefused(
            f"la ligne de {kind.this} a été supprimée{NBSP}: restaurez d’abord la ligne "
            "(ses énoncés reviennent avec elle)."
        )
    editing._lock(type(row), row.pk)
    statement = _revive(record)
    statement.row = row  # its section is loaded: the history finds its place without a query
    _keep_link(cell, row.section, statement)
    editing._make_room(cell.model, "row", row.pk, record.position)
    statement.save(force_insert=True)
    return (
        f"{capfirst(kind.noun)} restauré{kind.e} à sa place (thématique{NBSP}"
        f"{row.section.thematic.number}, {cell.stage.label.lower()}){NBSP}: "
        f"«{NBSP}{short(statement.display_text, 80)}{NBSP}»."
    )


def _restore_row(synthesis, kind, record):
    stage = kind.stage
    section = (
        ThematicSection.objects.filter(pk=record.section_id, synthesis=synthesis)
        .select_related("thematic")
        .first()
    )
    if section is None:
        raise RestoreRefused(
            "la section thématique de cette ligne n’existe plus (un import l’a remplacée ou "
            "supprimée)."
        )
    editing._lock(ThematicSection, section.pk)
    row = _revive(record)
    row.section = section
    editing._make_room(stage.row_model, "section", section.pk, record.position)
    row.save(force_insert=True)
    restored = 0
    for cell in stage.cells:
        statements = []
        for number, statement_record in enumerate(
            _deleted_with(cell.model, row, row_id=row.pk), start=1
        ):
            statement = _revive(statement_record)
            statement.row = row
            _keep_link(cell, section, statement, number)
            statements.append(statement)
        with_history(cell.model, reason=RESTORE).bulk_create(statements)
        restored += len(statements)
    if stage.slug == DIAGNOSTIC:
        _restore_citations(_deleted_with(RetexReference, row, row_id=row.pk))
    message = (
        f"{capfirst(kind.noun)} restaurée à sa place (thématique{NBSP}{section.thematic.number})"
    )
    if restored:
        count = f"{restored}{NBSP}énoncé{'s' if restored > 1 else ''}"
        message += f", avec {'son' if restored == 1 else 'ses'} {count}"
    return message + "."


def _restore_citations(records):
    """The RETEX citations deleted with a row or sheet, whose other end still exists."""
    citations = [_revive(citation) for citation in records]
    rows = set(
        DiagnosticRow.objects.filter(pk__in=[c.row_id for c in citations]).values_list(
            "pk", flat=True
        )
    )
    sheets = set(
        RetexSheet.objects.filter(pk__in=[c.sheet_id for c in citations]).values_list(
            "pk", flat=True
        )
    )
    kept = [c for c in citations if c.row_id in rows and c.sheet_id in sheets]
    with_history(RetexReference, reason=RESTORE).bulk_create(kept)
    return kept


def _restore_sheet(synthesis, kind, record):
    section = None
    if record.section_id is not None:
        section = ThematicSection.objects.filter(pk=record.section_id, synthesis=synthesis).first()
        if section is None:
            raise RestoreRefused(
                "la section thématique de cette fiche RETEX n’existe plus (un import l’a "
                "remplacée ou supprimée)."
            )
    synthesis.lock()
    taken = RetexSheet.objects.filter(
        synthesis=synthesis, section_id=record.section_id, number=record.number
    )
    if taken.exists():
        where = "dans cette thématique" if section else "parmi les fiches communes"
        raise RestoreRefused(
            f"une fiche RETEX porte déjà le numéro {record.number} {where}{NBSP}: changez son "
            "numéro dans le tableau de l’atelier, puis restaurez celle-ci."
        )
    sheet = _revive(record)
    sheet.synthesis = synthesis
    sheet.section = section
    sheet.save(force_insert=True)
    links = []
    for link_record in _deleted_with(RetexLink, sheet, sheet_id=sheet.pk):
        link = _revive(link_record)
        link.sheet = sheet
        links.append(link)
    with_history(RetexLink, reason=RESTORE).bulk_create(links)
    citations = _restore_citations(_deleted_with(RetexReference, sheet, sheet_id=sheet.pk))
    details = []
    if links:
        details.append(f"{len(links)}{NBSP}lien{'s' if len(links) > 1 else ''}")
    if citations:
        details.append(
            f"{len(citations)}{NBSP}citation{'s' if len(citations) > 1 else ''} dans le diagnostic"
        )
    return f"Fiche RETEX {sheet.number} restaurée" + (
        f", avec {' et '.join(details)}." if details else "."
    )
