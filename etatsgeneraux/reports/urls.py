from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("syntheses/<slug:slug>/apercu/", views.synthesis_preview, name="synthesis_preview"),
    path("syntheses/<slug:slug>/pdf/", views.synthesis_pdf, name="synthesis_pdf"),
    # One thematic section, by its thematic's canonical number (as the board's URLs).
    path(
        "syntheses/<slug:slug>/thematiques/<int:number>/apercu/",
        views.thematic_preview,
        name="thematic_preview",
    ),
    path(
        "syntheses/<slug:slug>/thematiques/<int:number>/pdf/",
        views.thematic_pdf,
        name="thematic_pdf",
    ),
    path(
        "syntheses/<slug:slug>/propositions/<int:position>/apercu/",
        views.proposal_preview,
        name="proposal_preview",
    ),
    path(
        "syntheses/<slug:slug>/propositions/<int:position>/pdf/",
        views.proposal_pdf,
        name="proposal_pdf",
    ),
    path(
        "syntheses/<slug:slug>/versions/<int:number>/pdf/",
        views.version_pdf,
        name="version_pdf",
    ),
]
