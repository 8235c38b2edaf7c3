"""The workshop board of a thematic section (`number`: the thematic's canonical number)."""

from django.urls import include, path

from . import views

app_name = "board"

STATEMENT = "enonces/<slug:cell>/<int:pk>/"
ROW = "<slug:stage>/lignes/<int:row_id>/"
board_urlpatterns = [
    path("", views.board_page, name="page"),
    path("tracabilite/", views.traceability_page, name="traceability"),
    path("changements/", views.changes, name="changes"),
    path("retex/ajouter/", views.add_sheet, name="add_sheet"),
    path("retex/<int:pk>/", views.sheet_view, name="sheet"),
    path("retex/<int:pk>/modifier/", views.edit_sheet, name="edit_sheet"),
    path("retex/<int:pk>/supprimer/", views.delete_sheet, name="delete_sheet"),
    path("diagnostic/lignes/<int:row_id>/retex/", views.row_retex, name="row_retex"),
    path(
        "diagnostic/lignes/<int:row_id>/retex/modifier/",
        views.edit_row_retex,
        name="edit_row_retex",
    ),
    path("plan-action/lignes/<int:row_id>/horizon/", views.set_horizon, name="horizon"),
    path("<slug:stage>/lignes/ajouter/", views.add_row, name="add_row"),
    path(ROW + "monter/", views.move_row, {"direction": "up"}, name="move_row_up"),
    path(ROW + "descendre/", views.move_row, {"direction": "down"}, name="move_row_down"),
    path(ROW + "supprimer/", views.delete_row, name="delete_row"),
    path(ROW + "<slug:cell>/", views.cell_view, name="cell"),
    path(ROW + "<slug:cell>/ajouter/", views.add_statement, name="add_statement"),
    path(ROW + "<slug:cell>/relier/", views.link_form, name="link_form"),
    path(ROW + "<slug:cell>/restaurer/", views.restore_statement, name="restore_statement"),
    path(STATEMENT, views.statement_view, name="statement"),
    path(STATEMENT + "modifier/", views.edit_statement, name="edit_statement"),
    path(STATEMENT + "supprimer/", views.delete_statement, name="delete_statement"),
    path(STATEMENT + "monter/", views.move_statement, {"direction": "up"}, name="move_up"),
    path(
        STATEMENT + "descendre/",
        views.move_statement,
        {"direction": "down"},
        name="move_down",
    ),
    path(STATEMENT + "mise-en-avant/", views.emphasise_statement, name="emphasis"),
]
urlpatterns = [
    path("syntheses/<slug:slug>/thematiques/<int:number>/", include(board_urlpatterns)),
]
