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
]
