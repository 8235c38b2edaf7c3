"""The introduction of a synthesis (sessions, facilitators, participants) on one page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from .introduction import ADD_FACILITATOR, IntroductionEditor
from .permissions import editable_synthesis


@editable_synthesis
def introduction_edit(request, synthesis):
    """The introduction block on one page: sessions, facilitators, participants.

    Invalid input: 422, the page with the messages next to the fields, nothing saved.
    Someone saved an object the user changed: 409, both versions shown, nothing saved.
    « Ajouter une personne » (ADD_FACILITATOR): the page as the user left it, with one more
    blank facilitator in that session, nothing saved.
    """
    status = 200
    if request.method == "POST":
        editor = IntroductionEditor(synthesis, request.POST)
        if ADD_FACILITATOR in request.POST:
            editor = editor.with_another_facilitator(request.POST[ADD_FACILITATOR])
        elif not editor.is_valid():
            status = 422
        elif editor.save():
            if editor.changed:
                messages.success(request, "L’introduction est enregistrée.")
            else:
                messages.info(request, "Aucune modification à enregistrer.")
            return redirect(reverse("syntheses:detail", args=[synthesis.slug]))
        else:
            editor = editor.rebased()
            status = 409
    else:
        editor = IntroductionEditor(synthesis)
    context = {
        "synthesis": synthesis,
        "editor": editor,
        "errors": editor.forms_with_errors() if status == 422 else [],
    }
    return render(request, "workshops/introduction_form.html", context, status=status)
