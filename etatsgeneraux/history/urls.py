from django.urls import path

from . import views

app_name = "history"

urlpatterns = [
    path("syntheses/<slug:slug>/historique/", views.history_page, name="page"),
    path("syntheses/<slug:slug>/historique/restaurer/", views.restore_view, name="restore"),
]
