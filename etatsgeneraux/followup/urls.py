from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("syntheses/<slug:slug>/suivi/", views.page, name="page"),
    path("syntheses/<slug:slug>/suivi/thematiques/<int:number>/", views.page, name="thematic"),
    path("syntheses/<slug:slug>/suivi/actions/<str:key>/", views.action_page, name="action"),
    path(
        "syntheses/<slug:slug>/suivi/indicateurs/<str:key>/",
        views.indicator_page,
        name="indicator",
    ),
    path("syntheses/<slug:slug>/suivi/modifier-plusieurs/", views.bulk_change, name="bulk"),
    path("syntheses/<slug:slug>/suivi/poids/", views.weights, name="weights"),
    path("syntheses/<slug:slug>/suivi/csv/", views.export_csv, name="export_csv"),
    path("syntheses/<slug:slug>/suivi/importer/", views.import_csv, name="import_csv"),
    path("syntheses/<slug:slug>/suivi/pdf/", views.pdf, name="pdf"),
    path(
        "syntheses/<slug:slug>/suivi/synthese-avec-suivi.pdf",
        views.synthesis_pdf,
        name="synthesis_pdf",
    ),
]
