"""Typography and text rules shared by every page and document of the platform."""

import math
from urllib.parse import urlsplit

NBSP = "\u00a0"  # before « : ; ! ? », inside « », between a number and its unit

# The schemes a reader may follow from a link stored in a synthesis: web and mail addresses,
# never `javascript:` or `data:`.
FOLLOWABLE_SCHEMES = {"http", "https", "mailto"}


def safe_href(url):
    """The address to put in an `href`, or "" when the link must stay plain text."""
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in FOLLOWABLE_SCHEMES else ""


def size_text(size):
    """A file's size as French readers write it: « 48 Ko », « 1,2 Mo », « 50 Mo »."""
    if size < 1024 * 1024:
        return f"{max(1, math.ceil(size / 1024))}{NBSP}Ko"
    megabytes = f"{size / 1024 / 1024:.1f}".replace(".", ",").removesuffix(",0")
    return f"{megabytes}{NBSP}Mo"
