from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("travaux/<uuid:pk>/", views.detail, name="detail"),
    path("travaux/<uuid:pk>/avancement/", views.progress, name="progress"),
]
