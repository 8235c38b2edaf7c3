from django.urls import path

from . import views

app_name = "national"

urlpatterns = [
    path("", views.coverage_page, name="coverage"),
    path("recherche/", views.search_page, name="search"),
    path("recherche/csv/", views.search_csv, name="search_csv"),
    path("recherche/rattacher/", views.tag, name="tag"),
    path("propositions/", views.proposals, name="proposals"),
    path("propositions/<int:number>/", views.proposal_detail, name="proposal"),
    path("document/", views.document, name="document"),
    path("document/pdf/", views.document_pdf, name="document_pdf"),
]

urlpatterns += [
    path("regroupements/", views.groups, name="groups"),
    path("enonces/<int:pk>/semblables/", views.similar, name="similar"),
    path("regroupements/suggerer/", views.suggest, name="suggest"),
    path("regroupements/confirmer/", views.confirm_group, name="confirm_group"),
]
