from django.urls import include, path

from . import board, history, views

app_name = "workshops"

urlpatterns = [
    path("", views.home, name="home"),
    path("syntheses/<slug:slug>/apercu/", views.synthesis_preview, name="synthesis_preview"),
    path("syntheses/<slug:slug>/pdf/", views.synthesis_pdf, name="synthesis_pdf"),
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
]

# The workshop board of a thematic section (`number`: the thematic's canonical number).
STATEMENT = "enonces/<slug:cell>/<int:pk>/"
ROW = "<slug:stage>/lignes/<int:row_id>/"
board_urlpatterns = [
    path("", board.board_page, name="board"),
    path("tracabilite/", board.traceability_page, name="board_traceability"),
    path("retex/ajouter/", board.add_sheet, name="board_add_sheet"),
    path("retex/<int:pk>/", board.sheet_view, name="board_sheet"),
    path("retex/<int:pk>/modifier/", board.edit_sheet, name="board_edit_sheet"),
    path("retex/<int:pk>/supprimer/", board.delete_sheet, name="board_delete_sheet"),
    path("diagnostic/lignes/<int:row_id>/retex/", board.row_retex, name="board_row_retex"),
    path(
        "diagnostic/lignes/<int:row_id>/retex/modifier/",
        board.edit_row_retex,
        name="board_edit_row_retex",
    ),
    path("plan-action/lignes/<int:row_id>/horizon/", board.set_horizon, name="board_horizon"),
    path("<slug:stage>/lignes/ajouter/", board.add_row, name="board_add_row"),
    path(ROW + "monter/", board.move_row, {"direction": "up"}, name="board_move_row_up"),
    path(ROW + "descendre/", board.move_row, {"direction": "down"}, name="board_move_row_down"),
    path(ROW + "supprimer/", board.delete_row, name="board_delete_row"),
    path(ROW + "<slug:cell>/", board.cell_view, name="board_cell"),
    path(ROW + "<slug:cell>/ajouter/", board.add_statement, name="board_add_statement"),
    path(ROW + "<slug:cell>/relier/", board.link_form, name="board_link_form"),
    path(ROW + "<slug:cell>/restaurer/", board.restore_statement, name="board_restore_statement"),
    path(STATEMENT, board.statement_view, name="board_statement"),
    path(STATEMENT + "modifier/", board.edit_statement, name="board_edit_statement"),
    path(STATEMENT + "supprimer/", board.delete_statement, name="board_delete_statement"),
    path(STATEMENT + "monter/", board.move_statement, {"direction": "up"}, name="board_move_up"),
    path(
        STATEMENT + "descendre/",
        board.move_statement,
        {"direction": "down"},
        name="board_move_down",
    ),
    path(STATEMENT + "mise-en-avant/", board.emphasise_statement, name="board_emphasis"),
]
urlpatterns += [
    path("syntheses/<slug:slug>/thematiques/<int:number>/", include(board_urlpatterns)),
]

# The synthesis page and its introduction (the flagship proposals: actionplans/urls.py).
urlpatterns += [
    path("syntheses/<slug:slug>/", views.synthesis_detail, name="synthesis_detail"),
    path(
        "syntheses/<slug:slug>/introduction/",
        views.introduction_edit,
        name="introduction_edit",
    ),
    path("syntheses/<slug:slug>/archiver/", views.synthesis_archive, name="synthesis_archive"),
    path("syntheses/<slug:slug>/restaurer/", views.synthesis_unarchive, name="synthesis_unarchive"),
]

# The history of a synthesis, and restoring what was deleted (workshops/history.py).
urlpatterns += [
    path("syntheses/<slug:slug>/historique/", history.history_page, name="synthesis_history"),
    path(
        "syntheses/<slug:slug>/historique/restaurer/",
        history.restore_view,
        name="synthesis_history_restore",
    ),
]
