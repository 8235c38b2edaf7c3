"""Typography and text rules shared by every page and document of the platform."""

from urllib.parse import urlsplit

NBSP = "\u00a0"  # before « : ; ! ? », inside « », between a number and its unit

# The schemes a reader may follow from a link stored in a synthesis: web and mail addresses,
# never `javascript:` or `data:`.
FOLLOWABLE_SCHEMES = {"http", "https", "mailto"}


def safe_href(url):
    """The address to put in an `href`, or "" when the link must stay plain text."""
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in FOLLOWABLE_SCHEMES else ""
