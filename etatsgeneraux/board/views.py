"""The workshop board: facilitators enter and shape the results of a thematic section live.

Thin views, one per action. Pages are rendered whole; each change answers with the partial
template that htmx swaps in (a cell, a statement, a stage table...) and tells the page, in
the `HX-Trigger-After-Settle` header, what to announce and where to put the focus.

Who may do what is checked by every view, whatever the templates show:
- anonymous users are sent to the login page; their htmx requests (and any change they
  send) get a 401, so that the page keeps what was typed and says it was not saved;
- logged-in users who may not read the synthesis (`Synthesis.objects.visible_to`) get a 404;
- readers see the board without edit controls, and every change they send gets a 403;
- only the users for whom `Synthesis.objects.editable_by` holds the synthesis change it.

The pages open on a board follow the others' changes and who else is there (`changes`,
`live.py`): the answers to changes carry the section's new change marker (`X-Board-Version`).

Status codes of the partials: 200 saved; 422 bad input (the form comes back with French
messages next to the fields); 409 someone else saved first, or a later stage links to what is
being deleted (nothing saved; both versions shown).
"""

import json
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actionplans.forms import HorizonForm
from actionplans.models import Horizon
from etatsgeneraux.stages import ACTION_PLAN, CELLS, DIAGNOSTIC, STAGES
from workshops.forms import (
    EditLinkedStatementForm,
    EditStatementForm,
    EmphasisForm,
    LinkedStatementForm,
    RestoreForm,
    RetexSheetForm,
    RowRetexForm,
    StatementForm,
    positive_int,
)
from workshops.models import StaleEditError, Synthesis, SynthesisArchived, ThematicSection
from workshops.permissions import may_edit, may_open_board, readable_syntheses
from workshops.text import NBSP

from . import editing, live, traceability

TEMPLATES = "board/"
NOT_SAVED = f"Non enregistré{NBSP}: "
ARCHIVED_MESSAGE = (
    f"Cette synthèse est archivée{NBSP}: elle ne peut plus être modifiée. Rien n’a été "
    "enregistré. Restaurez-la depuis sa page pour la modifier à nouveau."
)


@dataclass
class Board:
    """What every view gets: the synthesis and section of the URL, and the user's rights."""

    synthesis: Synthesis
    section: ThematicSection
    can_edit: bool

    @property
    def number(self):
        return self.section.thematic.number


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _refused(status, reason, message):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["X-Board-Error"] = reason  # tells the page's script why (see board.js)
    response["Cache-Control"] = "no-store"
    return response


def board_view(*, edit):
    """Resolves the synthesis and section of the URL and checks the user's rights on them."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, number, **kwargs):
            user = request.user
            if not user.is_authenticated:
                if _is_htmx(request) or request.method not in ("GET", "HEAD"):
                    return _refused(
                        401,
                        "session",
                        f"Votre session a expiré{NBSP}: reconnectez-vous. Rien n’a été enregistré.",
                    )
                return redirect_to_login(request.get_full_path())
            synthesis = readable_syntheses(user).filter(slug=slug).first()
            if synthesis is None:
                raise Http404("Synthèse introuvable.")
            can_edit = may_edit(user, synthesis)
            if edit and not can_edit:
                # Only its managers still see an archived synthesis: tell them why.
                reason, message = (
                    ("archived", ARCHIVED_MESSAGE)
                    if synthesis.is_archived
                    else ("forbidden", "Vous pouvez lire cette synthèse mais pas la modifier.")
                )
                if not _is_htmx(request):
                    raise PermissionDenied(message)  # the site's 403 page
                return _refused(403, reason, message)
            if not can_edit and not may_open_board(user, synthesis, reads=True):
                # A published synthesis: its readers read its last published version.
                message = (
                    f"Cette synthèse est publiée{NBSP}: vous lisez sa dernière version "
                    "publiée. Le tableau de l’atelier est la copie de travail de ses "
                    "animateurs."
                )
                if not _is_htmx(request):
                    messages.info(request, message)
                    return redirect("syntheses:detail", slug=synthesis.slug)
                return _refused(403, "forbidden", message)
            section = (
                ThematicSection.objects.select_related("thematic", "change_marker")
                .filter(synthesis=synthesis, thematic__number=number)
                .first()
            )
            if section is None:
                raise Http404("Cette synthèse ne traite pas cette thématique.")
            section.synthesis = synthesis
            try:
                return view(request, Board(synthesis, section, can_edit), **kwargs)
            except SynthesisArchived as archived:  # archived while this change was written
                if not _is_htmx(request):
                    raise
                return _refused(403, "archived", str(archived))

        return wrapper

    return decorator


def _partial(request, template, context, *, status=200, focus=None, announce=None):
    """A fragment for htmx, with what to announce and to focus once it is in place."""
    response = HttpResponse(render_to_string(TEMPLATES + template, context, request), status=status)
    after = {}
    if focus:
        after["focus"] = [focus] if isinstance(focus, str) else list(focus)
    if announce:
        after["announce"] = announce
    if after:
        # ASCII JSON: an HTTP header cannot carry the accents as they are.
        response["HX-Trigger-After-Settle"] = json.dumps({"board:settled": after})
    token = getattr(context.get("section"), "live_token", None)
    if token:  # a change: the page that made it need not fetch it again (board.js)
        response["X-Board-Version"] = token
    response["Cache-Control"] = "no-store"
    return response


def _context(board, **extra):
    return {
        "synthesis": board.synthesis,
        "section": board.section,
        "number": board.number,
        "can_edit": board.can_edit,
        "horizons": Horizon.choices,
        **extra,
    }


def _stage(slug):
    try:
        return STAGES[slug]
    except KeyError:
        raise Http404("Étape inconnue.") from None


def _cell(slug, stage=None):
    cell = CELLS.get(slug)
    if cell is None or (stage is not None and cell.stage_slug != stage.slug):
        raise Http404("Colonne inconnue.")
    return cell


def _row(board, stage, row_id, cells=None):
    try:
        return editing.load_row(stage, board.section, row_id, cells=cells)
    except LookupError:
        raise Http404("Cette ligne n’existe plus.") from None


def _statement(board, cell, pk):
    try:
        return editing.statement_in_section(cell, board.section, pk)
    except LookupError:
        raise Http404("Cet énoncé n’existe plus.") from None


def _decorate(board, cell, statements):
    """Gives each statement its element id and URL as strings, computed once per cell kind:
    rendering numbers and reversing URLs in the templates, for every button of every
    statement, would be most of the board's rendering time."""
    prefixes = board.__dict__.setdefault("url_prefixes", {})
    if cell.slug not in prefixes:
        url = reverse("board:statement", args=[board.synthesis.slug, board.number, cell.slug, 0])
        prefixes[cell.slug] = url[: -len("0/")]
    prefix = prefixes[cell.slug]
    for statement in statements:
        if isinstance(statement, dict):  # an undo notice
            statement["dom_id"] = f"{cell.slug}-{statement['pk']}"
            continue
        statement.dom_id = f"{cell.slug}-{statement.pk}"
        statement.url = f"{prefix}{statement.pk}/"
    return statements


def _decorate_rows(board, rows):
    for row in rows:
        for cell, items in row.cells:
            _decorate(board, cell, items)
    return rows


def _errors(form):
    return " ".join(message for errors in form.errors.values() for message in errors)


def _short(text, length=80):
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# Pages -------------------------------------------------------------------------------------


@require_safe
@board_view(edit=False)
def board_page(request, board):
    editing.load_board(board.section)
    for _, rows in board.section.stages:
        _decorate_rows(board, rows)
    stage = request.GET.get("etape")
    others = live.present(board.section.pk, request.user)
    response = render(
        request,
        TEMPLATES + "page.html",
        _context(
            board,
            stages=board.section.stages,
            sheets=board.section.sheets,
            selected=stage if stage in STAGES else DIAGNOSTIC,
            sections=board.synthesis.sections.select_related("thematic").order_by("position"),
            login_url=resolve_url(settings.LOGIN_URL),
            others=others,
            live_version=live.token_of(board.section),
            live_presence=live.presence_token(others),
            poll_seconds=live.POLL_SECONDS,
            hidden_poll_every=live.HIDDEN_POLL_SECONDS // live.POLL_SECONDS,
        ),
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
@board_view(edit=False)
def traceability_page(request, board):
    return render(
        request,
        TEMPLATES + "traceability.html",
        _context(
            board,
            trace=traceability.build(board.section),
            sections=board.synthesis.sections.select_related("thematic").order_by("position"),
        ),
    )


# Working together live -----------------------------------------------------------------------


@require_safe
def changes(request, slug, number):
    """What changed on the board since the page knew it (`live`): 204 when nothing did.

    `version` and `presence`: the tokens the page knows (`X-Board-Version`,
    `X-Board-Presence` of the last answer). Only the readers of the synthesis get an answer;
    when nothing changed it costs one query besides the session and the user.
    """
    user = request.user
    if not user.is_authenticated:
        message = f"Votre session a expiré{NBSP}: reconnectez-vous pour suivre le tableau."
        return _refused(401, "session", message)
    found = live.current(user, slug, number)
    if found is None:
        raise Http404("Cette synthèse ou cette thématique est introuvable.")
    section_id, version = found
    others = live.present(section_id, user)
    presence = live.presence_token(others)
    if request.GET.get("version") == version and request.GET.get("presence") == presence:
        response = HttpResponse(status=204)
    elif request.GET.get("version") == version:
        response = _partial(request, "presence.html", {"others": others})
    else:
        response = _live_board(request, slug=slug, number=number, others=others)
    response["X-Board-Version"] = version
    response["X-Board-Presence"] = presence
    response["Cache-Control"] = "no-store"
    return response


@board_view(edit=False)
def _live_board(request, board, others):
    """The RETEX sheets and the three tables as the page shows them, for board.js to merge."""
    editing.load_board(board.section)
    for _, rows in board.section.stages:
        _decorate_rows(board, rows)
    context = _context(
        board, stages=board.section.stages, sheets=board.section.sheets, others=others
    )
    return _partial(request, "live.html", context)


# Rows --------------------------------------------------------------------------------------


def _stage_response(request, board, stage, *, status=200, error=None, **extra):
    rows = _decorate_rows(board, editing.load_stage_rows(board.section, stage))
    context = _context(board, stage=stage, rows=rows, stage_error=error)
    return _partial(request, "stage.html", context, status=status, **extra)


@require_POST
@board_view(edit=True)
def add_row(request, board, stage):
    stage = _stage(stage)
    row = editing.add_row(board.section, stage)
    return _stage_response(
        request,
        board,
        stage,
        focus=f"new-{stage.cells[0].slug}-{row.pk}",
        announce=f"Ligne ajoutée à la fin du tableau «{NBSP}{stage.table_caption}{NBSP}».",
    )


@require_POST
@board_view(edit=True)
def move_row(request, board, stage, row_id, direction):
    stage = _stage(stage)
    row = _row(board, stage, row_id, cells=())
    moved = editing.move(board.section, row, direction)
    other = "down" if direction == "up" else "up"
    where = "monte" if direction == "up" else "descend"
    return _stage_response(
        request,
        board,
        stage,
        focus=[f"row-{stage.slug}-{row.pk}-{direction}", f"row-{stage.slug}-{row.pk}-{other}"],
        announce=f"La ligne {where} d’un rang." if moved else "La ligne est déjà à ce bout.",
    )


@require_POST
@board_view(edit=True)
def delete_row(request, board, stage, row_id):
    stage = _stage(stage)
    row = _row(board, stage, row_id, cells=())
    try:
        editing.delete(board.section, row)
    except ValidationError as error:
        return _stage_response(
            request,
            board,
            stage,
            status=409,
            error=error.messages[0],
            focus=f"stage-{stage.slug}-error",
            announce=error.messages[0],
        )
    return _stage_response(
        request,
        board,
        stage,
        focus=f"add-row-{stage.slug}",
        announce=f"Ligne {row.number} supprimée.",
    )


# Statements --------------------------------------------------------------------------------


def _cell_response(request, board, row, cell, *, status=200, focus=None, announce=None, **ctx):
    items = next(items for c, items in row.cells if c == cell)
    undo = ctx.pop("undo", None)
    if undo is not None:
        # The notice takes the place the deleted statement had.
        index = next(
            (i for i, item in enumerate(items) if item.position > undo["position"]), len(items)
        )
        items = [*items[:index], undo, *items[index:]]
    context = _context(board, row=row, cell=cell, items=_decorate(board, cell, items), **ctx)
    if ctx.get("link_mode"):
        context["groups"] = editing.grouped_link_sources(cell, board.section)
    return _partial(request, "cell.html", context, status=status, focus=focus, announce=announce)


def _new_statement_form(board, cell, data=None):
    if cell.linked:
        return LinkedStatementForm(
            data, sources=editing.link_sources(cell, board.section), link_label=cell.link_label
        )
    return StatementForm(data)


@require_safe
@board_view(edit=False)
def cell_view(request, board, stage, row_id, cell):
    """A cell as the board shows it (also: leaving the form that links a statement, whose
    opener gets the focus back)."""
    stage = _stage(stage)
    cell = _cell(cell, stage)
    row = _row(board, stage, row_id, cells=[cell])
    focus = [f"new-{cell.slug}-{row.pk}"]
    if cell.linked:
        focus.insert(0, f"link-open-{cell.slug}-{row.pk}")
    return _cell_response(request, board, row, cell, focus=focus)


@require_POST
@board_view(edit=True)
def add_statement(request, board, stage, row_id, cell):
    stage = _stage(stage)
    cell = _cell(cell, stage)
    row = _row(board, stage, row_id, cells=[cell])
    form = _new_statement_form(board, cell, request.POST)
    link_mode = cell.linked and request.POST.get("mode") == "link"
    focus = f"{'link' if link_mode else 'new'}-{cell.slug}-{row.pk}"
    if form.is_valid():
        try:
            statement = editing.add_statement(
                board.section,
                row,
                cell,
                text=form.cleaned_data["text"],
                source=form.cleaned_data.get("source"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            row = _row(board, stage, row_id, cells=[cell])
            return _cell_response(
                request,
                board,
                row,
                cell,
                focus=f"new-{cell.slug}-{row.pk}",
                announce=f"Enregistré{NBSP}: «{NBSP}{_short(statement.display_text)}{NBSP}».",
            )
    return _cell_response(
        request,
        board,
        row,
        cell,
        status=422,
        form=form,
        link_mode=link_mode,
        focus=[f"{focus}-error", focus],
        announce=NOT_SAVED + _errors(form),
    )


@require_safe
@board_view(edit=True)
def link_form(request, board, stage, row_id, cell):
    """The form that adds a statement linked to a statement of the earlier stage."""
    stage = _stage(stage)
    cell = _cell(cell, stage)
    if not cell.linked:
        raise Http404("Cette colonne ne se relie à rien.")
    row = _row(board, stage, row_id, cells=[cell])
    return _cell_response(
        request,
        board,
        row,
        cell,
        form=_new_statement_form(board, cell),
        link_mode=True,
        focus=f"link-{cell.slug}-{row.pk}",
    )


@require_POST
@board_view(edit=True)
def restore_statement(request, board, stage, row_id, cell):
    """Undoes a deletion: the statement comes back at its place."""
    stage = _stage(stage)
    cell = _cell(cell, stage)
    row = _row(board, stage, row_id, cells=[cell])
    form = RestoreForm(request.POST)
    if not form.is_valid():
        return _cell_response(
            request, board, row, cell, status=422, announce="Restauration impossible."
        )
    data = form.cleaned_data
    try:
        statement = editing.restore_statement(
            board.section,
            row,
            cell,
            text=data["text"],
            emphasised=data["emphasised"],
            source_id=data["source"],
            position=data["position"],
        )
    except ValidationError as error:
        return _cell_response(
            request, board, row, cell, status=409, announce=" ".join(error.messages)
        )
    row = _row(board, stage, row_id, cells=[cell])
    return _cell_response(
        request,
        board,
        row,
        cell,
        focus=f"{cell.slug}-{statement.pk}-edit",
        announce=f"Suppression annulée{NBSP}: l’énoncé est de retour.",
    )


def _statement_response(request, board, cell, statement, *, status=200, focus=None, **ctx):
    announce = ctx.pop("announce", None)
    _decorate(board, cell, [statement])
    return _partial(
        request,
        "statement.html",
        _context(board, cell=cell, statement=statement, **ctx),
        status=status,
        focus=focus,
        announce=announce,
    )


def _edit_form(board, cell, statement, data=None):
    initial = {"text": statement.text, "version": statement.version}
    if not cell.linked:
        return EditStatementForm(data, initial=initial, auto_id=False)
    initial["source"] = statement.source_id
    return EditLinkedStatementForm(
        data,
        initial=initial,
        auto_id=False,
        sources=editing.link_sources(cell, board.section),
        link_label=cell.link_label,
    )


def _edit_response(request, board, cell, statement, form, *, status=200, **extra):
    context = _context(board, cell=cell, statement=statement, form=form)
    context["conflict"] = extra.pop("conflict", None)
    if cell.linked:
        context["groups"] = editing.grouped_link_sources(cell, board.section)
    return _partial(request, "statement_edit.html", context, status=status, **extra)


@require_safe
@board_view(edit=False)
def statement_view(request, board, cell, pk):
    """A statement as the board shows it (also: leaving its edit form)."""
    cell = _cell(cell)
    statement = _statement(board, cell, pk)
    return _statement_response(request, board, cell, statement, focus=f"{cell.slug}-{pk}-edit")


@require_http_methods(["GET", "HEAD", "POST"])
@board_view(edit=True)
def edit_statement(request, board, cell, pk):
    cell = _cell(cell)
    if request.method != "POST":
        statement = _statement(board, cell, pk)
        form = _edit_form(board, cell, statement)
        return _edit_response(request, board, cell, statement, form, focus=f"edit-{cell.slug}-{pk}")
    try:
        statement = editing.statement_in_section(cell, board.section, pk)
    except LookupError:
        if cell.model.objects.filter(pk=pk).exists():
            raise Http404("Cet énoncé n’appartient pas à cette thématique.") from None
        return _gone(request, board, cell, pk)
    form = _edit_form(board, cell, statement, request.POST)
    if form.is_valid():
        values = {"text": form.cleaned_data["text"]}
        if cell.linked:
            values["source"] = form.cleaned_data["source"]
        try:
            editing.save_statement(board.section, statement, form.cleaned_data["version"], **values)
        except ValidationError as error:
            form.add_error(None, error)
        except StaleEditError as stale:
            if stale.current is None:
                return _gone(request, board, cell, pk)
            return _conflict(request, board, cell, pk)
        else:
            statement = editing.statement_in_section(cell, board.section, pk)
            return _statement_response(
                request,
                board,
                cell,
                statement,
                focus=f"{cell.slug}-{pk}-edit",
                announce="Modification enregistrée.",
            )
    return _edit_response(
        request,
        board,
        cell,
        statement,
        form,
        status=422,
        focus=[f"edit-{cell.slug}-{pk}-error", f"edit-{cell.slug}-{pk}"],
        announce=NOT_SAVED + _errors(form),
    )


def _gone(request, board, cell, pk):
    """The statement was deleted while being edited: the typed text, ready to be added again."""
    value = request.POST.get("row", "")
    return _partial(
        request,
        "statement_gone.html",
        _context(
            board,
            cell=cell,
            pk=pk,
            typed_text=request.POST.get("text", ""),
            typed_source=request.POST.get("source", ""),
            row_id=positive_int(value),
        ),
        status=409,
        focus=f"{cell.slug}-{pk}-gone",
        announce=NOT_SAVED + "cet énoncé a été supprimé entre-temps.",
    )


def _conflict(request, board, cell, pk):
    """Someone saved the statement first: the stored text and the typed one, both shown.

    The form now carries the stored version: saving it again replaces the stored text,
    knowingly.
    """
    current = editing.statement_in_section(cell, board.section, pk)
    data = request.POST.copy()
    data["version"] = current.version
    form = _edit_form(board, cell, current, data)
    form.is_valid()
    return _edit_response(
        request,
        board,
        cell,
        current,
        form,
        status=409,
        conflict=current,
        focus=f"edit-{cell.slug}-{pk}-conflict",
        announce=NOT_SAVED + "quelqu’un a modifié cet énoncé pendant votre saisie. "
        "Les deux textes sont affichés.",
    )


@require_POST
@board_view(edit=True)
def emphasise_statement(request, board, cell, pk):
    cell = _cell(cell)
    statement = _statement(board, cell, pk)
    form = EmphasisForm(request.POST)
    focus = f"{cell.slug}-{pk}-emphasis"
    if not form.is_valid():
        return _statement_response(
            request, board, cell, statement, status=422, focus=focus, announce=_errors(form)
        )
    try:
        editing.set_emphasis(
            board.section, statement, form.cleaned_data["version"], form.cleaned_data["emphasised"]
        )
    except StaleEditError as stale:
        if stale.current is None:
            raise Http404("Cet énoncé n’existe plus.") from None
        message = (
            NOT_SAVED + "quelqu’un a modifié cet énoncé entre-temps. Voici sa version "
            f"actuelle{NBSP}; recommencez si besoin."
        )
        return _statement_response(
            request,
            board,
            cell,
            _statement(board, cell, pk),
            status=409,
            focus=[f"{cell.slug}-{pk}-error", focus],
            error=message,
            announce=message,
        )
    return _statement_response(
        request,
        board,
        cell,
        statement,
        focus=focus,
        announce="L’énoncé est mis en avant."
        if statement.emphasised
        else "L’énoncé n’est plus mis en avant.",
    )


@require_POST
@board_view(edit=True)
def move_statement(request, board, cell, pk, direction):
    cell = _cell(cell)
    statement = _statement(board, cell, pk)
    moved = editing.move(board.section, statement, direction)
    row = _row(board, cell.stage, statement.row_id, cells=[cell])
    other = "down" if direction == "up" else "up"
    where = "monte" if direction == "up" else "descend"
    return _cell_response(
        request,
        board,
        row,
        cell,
        focus=[f"{cell.slug}-{pk}-{direction}", f"{cell.slug}-{pk}-{other}"],
        announce=f"L’énoncé {where} d’un rang." if moved else "L’énoncé est déjà à ce bout.",
    )


@require_POST
@board_view(edit=True)
def delete_statement(request, board, cell, pk):
    cell = _cell(cell)
    statement = _statement(board, cell, pk)
    undo = {
        "undo": True,
        "pk": statement.pk,
        "position": statement.position,
        "text": statement.text,
        "display_text": statement.display_text,
        "emphasised": statement.emphasised,
        "source_id": getattr(statement, "source_id", None),
    }
    try:
        editing.delete(board.section, statement)
    except ValidationError as error:
        return _statement_response(
            request,
            board,
            cell,
            statement,
            status=409,
            error=error.messages[0],
            focus=[f"{cell.slug}-{pk}-error", f"{cell.slug}-{pk}-delete"],
            announce=error.messages[0],
        )
    row = _row(board, cell.stage, statement.row_id, cells=[cell])
    return _cell_response(
        request,
        board,
        row,
        cell,
        undo=undo,
        focus=f"{cell.slug}-{pk}-undo",
        announce=f"Énoncé supprimé{NBSP}: le bouton «{NBSP}Annuler la suppression{NBSP}» "
        "le remet en place.",
    )


# Row fields: RETEX references, horizon ------------------------------------------------------


def _retex_form(board, row, data=None):
    return RowRetexForm(
        data,
        initial={
            "version": row.version,
            "sheets": [reference.sheet_id for reference in row.retex_references.all()],
            "retex_label": row.retex_label,
        },
        sheets=editing.sheet_choices(board.section),
        auto_id=f"retex-{row.pk}-%s",
    )


@require_safe
@board_view(edit=False)
def row_retex(request, board, row_id):
    """The RETEX a diagnostic row cites (also: leaving their form)."""
    row = _row(board, STAGES[DIAGNOSTIC], row_id, cells=())
    return _partial(
        request, "row_retex.html", _context(board, row=row), focus=f"retex-edit-{row.pk}"
    )


@require_http_methods(["GET", "HEAD", "POST"])
@board_view(edit=True)
def edit_row_retex(request, board, row_id):
    stage = STAGES[DIAGNOSTIC]
    row = _row(board, stage, row_id, cells=())
    if request.method != "POST":
        return _partial(
            request,
            "row_retex_form.html",
            _context(board, row=row, form=_retex_form(board, row)),
            focus=f"retex-{row.pk}-legend",
        )
    form = _retex_form(board, row, request.POST)
    if not form.is_valid():
        return _partial(
            request,
            "row_retex_form.html",
            _context(board, row=row, form=form),
            status=422,
            focus=f"retex-{row.pk}-legend",
            announce=NOT_SAVED + _errors(form),
        )
    try:
        editing.save_row_retex(
            board.section,
            row,
            form.cleaned_data["version"],
            sheets=list(form.cleaned_data["sheets"]),
            label=form.cleaned_data["retex_label"],
        )
    except StaleEditError as stale:
        if stale.current is None:
            raise Http404("Cette ligne n’existe plus.") from None
        current = _row(board, stage, row_id, cells=())
        data = request.POST.copy()
        data["version"] = current.version
        form = _retex_form(board, current, data)
        form.is_valid()
        return _partial(
            request,
            "row_retex_form.html",
            _context(board, row=current, form=form, conflict=current),
            status=409,
            focus=f"retex-{row.pk}-conflict",
            announce=NOT_SAVED + "quelqu’un a modifié les RETEX de cette ligne pendant "
            "votre saisie. Les deux versions sont affichées.",
        )
    return _partial(
        request,
        "row_retex.html",
        _context(board, row=_row(board, stage, row_id, cells=())),
        focus=f"retex-edit-{row.pk}",
        announce="RETEX de la ligne enregistrés.",
    )


def _horizon_label(value):
    return dict(HorizonForm.base_fields["horizon"].choices).get(value, value)


@require_POST
@board_view(edit=True)
def set_horizon(request, board, row_id):
    stage = STAGES[ACTION_PLAN]
    row = _row(board, stage, row_id, cells=())
    form = HorizonForm(request.POST)
    if not form.is_valid():
        return _partial(
            request,
            "horizon.html",
            _context(board, row=row, error=_errors(form)),
            status=422,
            focus=f"horizon-{row.pk}",
            announce=NOT_SAVED + _errors(form),
        )
    wanted = form.cleaned_data["horizon"]
    try:
        editing.save_row_horizon(board.section, row, form.cleaned_data["version"], wanted)
    except StaleEditError as stale:
        if stale.current is None:
            raise Http404("Cette ligne n’existe plus.") from None
        current = _row(board, stage, row_id, cells=())
        error = (
            f"Quelqu’un a choisi «{NBSP}{_horizon_label(current.horizon)}{NBSP}» "
            f"entre-temps{NBSP}; votre choix «{NBSP}{_horizon_label(wanted)}{NBSP}» "
            "n’a pas été enregistré. "
            "Choisissez à nouveau pour le remplacer."
        )
        return _partial(
            request,
            "horizon.html",
            _context(board, row=current, error=error),
            status=409,
            focus=[f"horizon-{row.pk}-error", f"horizon-{row.pk}"],
            announce=NOT_SAVED + error,
        )
    return _partial(
        request,
        "horizon.html",
        _context(board, row=row),
        focus=f"horizon-{row.pk}",
        announce=f"Horizon enregistré{NBSP}: {_horizon_label(wanted)}.",
    )


# RETEX sheets ------------------------------------------------------------------------------


def _sheet(board, pk):
    sheets = editing.section_sheets(board.section, pk=pk)
    if not sheets:
        raise Http404("Cette fiche RETEX n’existe plus.")
    return sheets[0]


def _sheet_form_response(request, board, form, sheet=None, *, status=200, **extra):
    context = _context(board, form=form, sheet=sheet, conflict=extra.pop("conflict", None))
    context["fid"] = f"retex-{sheet.pk}" if sheet else "retex-new"
    return _partial(request, "sheet_form.html", context, status=status, **extra)


@require_http_methods(["GET", "HEAD", "POST"])
@board_view(edit=True)
def add_sheet(request, board):
    if request.method != "POST":
        if "annuler" in request.GET:
            return _partial(request, "sheet_slot.html", _context(board), focus="retex-add")
        form = RetexSheetForm(
            initial={"number": editing.next_sheet_number(board.section)},
            section=board.section,
            auto_id="retex-new-%s",
        )
        return _sheet_form_response(request, board, form, focus="retex-new-title")
    form = RetexSheetForm(request.POST, section=board.section, auto_id="retex-new-%s")
    if form.is_valid():
        sheet = editing.save_sheet(board.section, form.instance, form.cleaned_data["links"])
        return _partial(
            request,
            "sheet.html",
            _context(board, sheet=_sheet(board, sheet.pk), new=True),
            focus=f"retex-{sheet.pk}-edit",
            announce=f"Fiche RETEX {sheet.number} ajoutée.",
        )
    return _sheet_form_response(
        request,
        board,
        form,
        status=422,
        focus="retex-new-error",
        announce=NOT_SAVED + _errors(form),
    )


@require_safe
@board_view(edit=False)
def sheet_view(request, board, pk):
    """A RETEX sheet as the board shows it (also: leaving its form)."""
    sheet = _sheet(board, pk)
    return _partial(
        request, "sheet.html", _context(board, sheet=sheet), focus=f"retex-{sheet.pk}-edit"
    )


@require_http_methods(["GET", "HEAD", "POST"])
@board_view(edit=True)
def edit_sheet(request, board, pk):
    sheet = _sheet(board, pk)
    auto_id = f"retex-{pk}-%s"
    if request.method != "POST":
        form = RetexSheetForm(instance=sheet, section=board.section, auto_id=auto_id)
        return _sheet_form_response(request, board, form, sheet, focus=f"retex-{pk}-number")
    form = RetexSheetForm(request.POST, instance=sheet, section=board.section, auto_id=auto_id)
    if not form.is_valid():
        return _sheet_form_response(
            request,
            board,
            form,
            sheet,
            status=422,
            focus=f"retex-{pk}-error",
            announce=NOT_SAVED + _errors(form),
        )
    try:
        editing.save_sheet(
            board.section,
            form.instance,
            form.cleaned_data["links"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleEditError as stale:
        if stale.current is None:
            raise Http404("Cette fiche RETEX n’existe plus.") from None
        current = _sheet(board, pk)
        data = request.POST.copy()
        data["version"] = current.version
        form = RetexSheetForm(
            data, instance=_sheet(board, pk), section=board.section, auto_id=auto_id
        )
        form.is_valid()
        return _sheet_form_response(
            request,
            board,
            form,
            current,
            status=409,
            conflict=current,
            focus=f"retex-{pk}-conflict",
            announce=NOT_SAVED + "quelqu’un a modifié cette fiche pendant votre saisie. "
            "Les deux versions sont affichées.",
        )
    sheet = _sheet(board, pk)
    return _partial(
        request,
        "sheet.html",
        _context(board, sheet=sheet, oob_rows=editing.rows_citing(board.section, [pk])),
        focus=f"retex-{pk}-edit",
        announce=f"Fiche RETEX {sheet.number} enregistrée.",
    )


@require_POST
@board_view(edit=True)
def delete_sheet(request, board, pk):
    sheet = _sheet(board, pk)
    citing = [row.pk for row in editing.rows_citing(board.section, [pk])]
    editing.delete(board.section, sheet)
    return _partial(
        request,
        "sheet_deleted.html",
        _context(board, oob_rows=editing.diagnostic_rows(board.section, citing)),
        focus="retex-add",
        announce=f"Fiche RETEX {sheet.number} supprimée.",
    )
