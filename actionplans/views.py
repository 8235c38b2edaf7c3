"""The flagship-proposal form: create and edit, for the users who may edit the synthesis.

Who may: `workshops.views.editable_synthesis` (staff and the facilitators of the
synthesis's region; anonymous users go to the login page, readers get a 403). Invalid
input answers 422 with the messages next to the fields. A save over a version someone
else saved meanwhile answers 409: nothing is written, the user's text stays in the form,
the stored one is shown beside it, and saving again keeps the user's on purpose.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from workshops.changes import changing
from workshops.models import StaleEditError
from workshops.permissions import editable_synthesis

from .forms import ProposalForm, stored_differences
from .models import FlagshipProposal

TEMPLATE = "actionplans/proposal_form.html"


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


@editable_synthesis
def proposal_edit(request, synthesis, position):
    proposal = FlagshipProposal.objects.filter(synthesis=synthesis, position=position).first()
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
