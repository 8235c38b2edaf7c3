from django.urls import path

from . import views

app_name = "syntheses"

urlpatterns = [
    path("", views.home, name="home"),
    path("syntheses/<slug:slug>/", views.synthesis_detail, name="detail"),
    path("syntheses/<slug:slug>/archiver/", views.synthesis_archive, name="archive"),
    path("syntheses/<slug:slug>/restaurer/", views.synthesis_unarchive, name="unarchive"),
    path("syntheses/<slug:slug>/telechargements/", views.synthesis_downloads, name="downloads"),
]
