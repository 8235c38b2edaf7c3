from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path(
        "syntheses/<slug:slug>/introduction/",
        views.introduction_edit,
        name="introduction_edit",
    ),
]
