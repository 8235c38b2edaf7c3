"""The flagship proposals of a synthesis: create, edit, delete and reorder them, for the
users who may edit the synthesis.

Who may: `workshops.permissions.editable_synthesis` (staff and the facilitators of the
synthesis's region; anonymous users go to the login page, readers get a 403). Invalid
input answers 422 with the messages next to the fields. A save over a version someone
else saved meanwhile answers 409: nothing is written, the user's text stays in the form,
the stored one is shown beside it, and saving again keeps the user's on purpose.

A proposal is named by its position in the URLs (« proposition 2 »); the forms also send
its id, so that a page drawn before someone else moved or deleted a proposal never acts on
another one: the edit form follows its proposal, a move or a deletion answers 409 with a
French message. Positions stay 1, 2, 3…: a deletion closes the gap, a move swaps two
neighbours. Every change goes through `changing(synthesis, lock=True)` and is recorded in
the history (the proposals that shift are recorded as « décalées »).
"""

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from workshops.changes import changing
from workshops.forms import positive_int
from workshops.historical import SHIFT, record
from workshops.models import StaleEditError, SynthesisArchived
from workshops.permissions import editable_synthesis
from workshops.text import NBSP

from .forms import ProposalForm, stored_differences
from .models import FlagshipProposal

TEMPLATE = "actionplans/proposal_form.html"
LIST_CHANGED = (
    f"La liste des propositions phares a changé entre-temps (une proposition a été ajoutée, "
    f"déplacée ou supprimée){NBSP}: rien n’a été modifié. Rechargez la page, puis "
    "recommencez."
)


def _after_save(request, synthesis, proposal, verb):
    messages.success(request, f"La proposition phare «\u00a0{proposal.title}\u00a0» est {verb}.")
    return redirect(reverse("syntheses:detail", args=[synthesis.slug]) + "#propositions")


def _render(request, synthesis, form, *, proposal=None, status=200, conflict=None):
    context = {"synthesis": synthesis, "form": form, "proposal": proposal, "conflict": conflict}
    return render(request, TEMPLATE, context, status=status)


@editable_synthesis
def proposal_create(request, synthesis):
    if request.method != "POST":
        return _render(request, synthesis, ProposalForm())
    form = ProposalForm(request.POST)
    if not form.is_valid():
        return _render(request, synthesis, form, status=422)
    # Locks the synthesis so that two proposals added at once get distinct positions.
    with changing(synthesis, lock=True):
        proposal = FlagshipProposal(synthesis=synthesis, **form.values())
        proposal.save()
    return _after_save(request, synthesis, proposal, "ajoutée")


def _posted_proposal(request, synthesis, position):
    """The proposal a form was drawn for: by the id it sends (wherever the proposal has moved
    since), else at the URL's position. (proposal or None, whether the form named one)."""
    posted = positive_int(request.POST.get("proposal", "")) if request.method == "POST" else None
    proposals = FlagshipProposal.objects.filter(synthesis=synthesis)
    if posted is not None:
        return proposals.filter(pk=posted).first(), True
    return proposals.filter(position=position).first(), False


@editable_synthesis
def proposal_edit(request, synthesis, position):
    proposal, _named = _posted_proposal(request, synthesis, position)
    if proposal is None:
        if request.method == "POST":
            # Deleted since the form was drawn: the user's text is kept, to add it again.
            form = ProposalForm(request.POST)
            form.is_valid()
            return _conflict(request, synthesis, form, None, None)
        raise Http404("Pas de proposition phare à cette position.")
    if request.method != "POST":
        return _render(request, synthesis, ProposalForm(instance=proposal), proposal=proposal)
    form = ProposalForm(request.POST, instance=proposal)
    if not form.is_valid():
        return _render(request, synthesis, form, proposal=proposal, status=422)
    try:
        with changing(synthesis):
            proposal.save_if_unchanged(form.cleaned_data["version"], list(form.values()))
    except StaleEditError as error:
        return _conflict(request, synthesis, form, proposal, error.current)
    return _after_save(request, synthesis, proposal, "enregistrée")


def _conflict(request, synthesis, form, proposal, current):
    """The user's text in the form, the stored one beside it, the stored version as base."""
    conflict = {
        "deleted": current is None,
        "stored": stored_differences(form, current) if current is not None else [],
    }
    data = request.POST.copy()
    if current is not None:
        data["version"] = str(current.version)
    else:
        data.pop("version", None)
    form = ProposalForm(data, instance=proposal if current is not None else None)
    form.is_valid()
    return _render(request, synthesis, form, proposal=proposal, status=409, conflict=conflict)


# Deleting and reordering ---------------------------------------------------------------------


def _renumber(synthesis, order, *, shifted_reason=None, moved=()):
    """Gives the proposals of `order` (ids) the positions 1, 2, 3… in that order.

    In two steps, past the end and back, so that no update meets a taken position
    (PostgreSQL checks the unique constraint row by row). Records the proposals whose
    position changed: those in `moved` as moved, the others with `shifted_reason`.
    """
    proposals = FlagshipProposal.objects.filter(synthesis=synthesis)
    current = dict(proposals.values_list("pk", "position"))
    changed = [
        (pk, target) for target, pk in enumerate(order, start=1) if current.get(pk) != target
    ]
    if not changed:
        return
    offset = (proposals.aggregate(last=Max("position"))["last"] or 0) + 1
    for pk, target in changed:
        proposals.filter(pk=pk).update(position=offset + target)
    for pk, target in changed:
        proposals.filter(pk=pk).update(position=target)
    ids = [pk for pk, _ in changed]
    moves = [pk for pk in ids if pk in moved]
    shifts = [pk for pk in ids if pk not in moved]
    if moves:  # updates send no signal: the history records them here
        record(proposals.filter(pk__in=moves))
    if shifts:
        record(proposals.filter(pk__in=shifts), reason=shifted_reason)


def _list_changed(request, synthesis, message=LIST_CHANGED):
    return render(
        request,
        "actionplans/proposal_refused.html",
        {"synthesis": synthesis, "error": message},
        status=409,
    )


def _in_place(synthesis, position, posted):
    """The proposal at `position`, if it is still the one the page named (`posted` id)."""
    proposal = FlagshipProposal.objects.filter(synthesis=synthesis, position=position).first()
    if proposal is None or (posted is not None and proposal.pk != posted):
        return None
    return proposal


@editable_synthesis
def proposal_delete(request, synthesis, position):
    """« Supprimer »: a confirmation page, then the POST (409 if the list changed since)."""
    if request.method != "POST":
        proposal = FlagshipProposal.objects.filter(synthesis=synthesis, position=position).first()
        if proposal is None:
            raise Http404("Pas de proposition phare à cette position.")
        context = {"synthesis": synthesis, "proposal": proposal}
        return render(request, "actionplans/proposal_delete.html", context)
    posted = positive_int(request.POST.get("proposal", ""))
    try:
        with changing(synthesis, lock=True):
            proposal = _in_place(synthesis, position, posted)
            if proposal is None:
                raise _Refused()
            title = proposal.title
            proposal.delete()
            remaining = FlagshipProposal.objects.filter(synthesis=synthesis).order_by("position")
            _renumber(synthesis, list(remaining.values_list("pk", flat=True)), shifted_reason=SHIFT)
    except (_Refused, IntegrityError):  # a race the lock did not prevent: never a 500
        return _list_changed(request, synthesis)
    except SynthesisArchived as error:
        return _list_changed(request, synthesis, str(error))
    messages.success(request, f"La proposition phare «{NBSP}{title}{NBSP}» est supprimée.")
    return redirect(reverse("syntheses:detail", args=[synthesis.slug]) + "#propositions")


@require_POST
@editable_synthesis
def proposal_move(request, synthesis, position, direction):
    """« Monter » / « Descendre »: swaps a proposal with its neighbour (409 if the list
    changed since the page was drawn; nothing to do at an end of the list)."""
    posted = positive_int(request.POST.get("proposal", ""))
    step = -1 if direction == "up" else 1
    try:
        with changing(synthesis, lock=True) as change:
            proposal = _in_place(synthesis, position, posted)
            if proposal is None:
                raise _Refused()
            order = list(
                FlagshipProposal.objects.filter(synthesis=synthesis)
                .order_by("position")
                .values_list("pk", flat=True)
            )
            index = order.index(proposal.pk)
            other = index + step
            if not 0 <= other < len(order):
                change.nothing_changed()
                new_position = index + 1
            else:
                order[index], order[other] = order[other], order[index]
                _renumber(synthesis, order, moved={order[index], order[other]})
                new_position = other + 1
    except (_Refused, IntegrityError):  # a race the lock did not prevent: never a 500
        return _list_changed(request, synthesis)
    except SynthesisArchived as error:
        return _list_changed(request, synthesis, str(error))
    if new_position == position:
        where = "première" if step < 0 else "dernière"
        messages.info(request, f"«{NBSP}{proposal.title}{NBSP}» est déjà la {where} proposition.")
    else:
        messages.success(
            request,
            f"«{NBSP}{proposal.title}{NBSP}» est désormais la proposition phare "
            f"n°{NBSP}{new_position}.",
        )
    page = reverse("syntheses:detail", args=[synthesis.slug])
    return redirect(f"{page}#proposition-{new_position}")


class _Refused(Exception):
    """The proposal the page named is not at its place any more."""
