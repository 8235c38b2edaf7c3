"""The URL fetcher of the PDF renderer: the project's static files, nothing else.

Its own module because it subclasses WeasyPrint's fetcher: importing WeasyPrint costs about
half a second, paid only by the processes that render a PDF (`pdf.render_pdf`).
"""

import functools
import importlib.util
import logging
import posixpath
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger("etatsgeneraux.reports.pdf")

# The origin the PDF's relative URLs resolve against; `.invalid` can never be reached.
REPORT_BASE_URL = "https://rapport.invalid/"

# What the fetcher may serve, by extension: stylesheets, the fonts we ship, our images.
FETCHABLE_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# django-dsfr ships the Marianne font under this static path; until the design-system app
# is installed, the fetcher finds the files in the package itself.
DSFR_FONTS = "dsfr/dist/fonts/"


class StaticFilesFetcher(URLFetcher):
    """Serves the project's own static files to WeasyPrint; refuses every other URL.

    Only URLs under STATIC_URL (resolved against `REPORT_BASE_URL`) whose file a static
    finder knows, or one of the Marianne fonts shipped with django-dsfr, are served, and
    only stylesheets, fonts and images. http(s) elsewhere, file:, data: and any other
    scheme raise, so nothing a user wrote can make the renderer open a connection or read
    a file.
    """

    def __init__(self):
        super().__init__(allowed_protocols=())
        self.refused = []

    @cached_property
    def static_prefix(self):
        # The storage's base URL, not static(""): a manifest storage (production) has no
        # hashed name for "" and raises.
        return urljoin(REPORT_BASE_URL, staticfiles_storage.base_url)

    def fetch(self, url, headers=None):
        path = self.resolve(url)
        if path is None:
            self.refused.append(url)
            logger.warning("Ressource refusée lors de la génération du PDF : %s", url[:200])
            raise ValueError(f"URL refusée : {url[:200]}")
        return URLFetcherResponse(
            url,
            path.read_bytes(),
            headers={"Content-Type": FETCHABLE_TYPES[path.suffix.lower()]},
        )

    def resolve(self, url):
        """The local file this URL names, or None if it must not be fetched."""
        if not url.startswith(self.static_prefix):
            return None
        relative = unquote(urlsplit(url[len(self.static_prefix) :]).path)
        normalised = posixpath.normpath(relative)
        if (
            not relative
            or normalised != relative
            or normalised.startswith(("/", "../"))
            or "\\" in relative
            or "\x00" in relative
            or Path(normalised).suffix.lower() not in FETCHABLE_TYPES
        ):
            return None
        try:
            found = finders.find(normalised)
            if not found and staticfiles_storage.exists(normalised):
                # Collected files (e.g. hashed names of a manifest storage).
                found = staticfiles_storage.path(normalised)
        except (SuspiciousFileOperation, NotImplementedError):
            return None
        if found:
            return Path(found)
        if normalised.startswith(DSFR_FONTS):
            return _dsfr_font(normalised.removeprefix(DSFR_FONTS))
        return None


@functools.cache
def _dsfr_fonts_dir():
    spec = importlib.util.find_spec("dsfr")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static" / DSFR_FONTS


def _dsfr_font(name):
    directory = _dsfr_fonts_dir()
    if directory is None or "/" in name:
        return None
    path = directory / name
    return path if path.is_file() else None
