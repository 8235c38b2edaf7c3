from django.urls import path

from . import views

app_name = "actionplans"

# The sheets' preview and PDF are reports:proposal_preview and reports:proposal_pdf.
urlpatterns = [
    path(
        "syntheses/<slug:slug>/propositions/nouvelle/",
        views.proposal_create,
        name="proposal_create",
    ),
    path(
        "syntheses/<slug:slug>/propositions/<int:position>/modifier/",
        views.proposal_edit,
        name="proposal_edit",
    ),
    path(
        "syntheses/<slug:slug>/propositions/<int:position>/supprimer/",
        views.proposal_delete,
        name="proposal_delete",
    ),
    path(
        "syntheses/<slug:slug>/propositions/<int:position>/monter/",
        views.proposal_move,
        {"direction": "up"},
        name="proposal_up",
    ),
    path(
        "syntheses/<slug:slug>/propositions/<int:position>/descendre/",
        views.proposal_move,
        {"direction": "down"},
        name="proposal_down",
    ),
]
