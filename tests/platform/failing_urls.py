"""A URL whose view fails, to see what a 500 leaves behind."""

from django.urls import include, path

from etatsgeneraux.urls import handler500  # noqa: F401 - the platform's 500 page


def broken(request):
    raise RuntimeError("panne simulée pour le test")


# The site's own URLs too: the 500 page links to them.
urlpatterns = [path("panne/", broken), path("", include("etatsgeneraux.urls"))]
