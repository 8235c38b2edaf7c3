from django.urls import path

from . import views

app_name = "publishing"

urlpatterns = [
    path("syntheses/<slug:slug>/publier/", views.publish, name="publish"),
]
