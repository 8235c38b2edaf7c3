from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "États généraux du numérique pour l'éducation"
admin.site.site_title = "Administration des synthèses"
admin.site.index_title = "Administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("workshops.urls")),
]
