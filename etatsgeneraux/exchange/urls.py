from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path(
        "syntheses/<slug:slug>/telecharger/<str:fmt>/",
        views.download,
        name="download",
    ),
    path("donnees/telecharger/<str:fmt>/", views.national, name="national"),
    path("donnees/schemas/synthese-1.json", views.schema_file, name="schema"),
]
