"""Open data and editable exports of the syntheses: CSV data package, XLSX, JSON, DOCX.

`export(format, syntheses, user=…)` gives a file's bytes, from the cache when the content
is unchanged: files are cached under a hash of their content (every row the export reads,
or the published version a reader reads, and the code that writes them), like the PDF
(etatsgeneraux.exchange.fixtures.content_fingerprint), so that an unchanged synthesis is never
written twice and any change gives a new file. Each file's size is remembered under a
cheaper key (the syntheses' ids and last changes, or published versions), which the
synthesis page reads without a query: see `sizes`.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.cache import cache

from etatsgeneraux.exchange.fixtures import content_fingerprint
from workshops.permissions import versions_read_by

from . import csvpackage, jsondoc, word, xlsx
from .bundle import ExportRefused, collect

__all__ = ["FORMATS", "Export", "ExportRefused", "export"]

# Bump to make every cached export obsolete when the output changes in a way the source files
# do not show.
EXPORT_VERSION = 1
# How long a file and a remembered size stay in the cache (the cache also drops the oldest).
SIZE_TIMEOUT = 30 * 24 * 3600


@dataclass(frozen=True)
class Format:
    key: str  # in URLs and the command's --format
    label: str  # « Word (DOCX) »
    description: str
    filename: str  # {name}: the synthesis's slug or « syntheses »
    media_type: str
    writer: object  # bundle → bytes
    national: bool = True  # offered for everything a reader may read


FORMATS = {
    fmt.key: fmt
    for fmt in [
        Format(
            "docx",
            "Word (DOCX)",
            "dans le modèle national, à compléter dans Word puis à réimporter",
            "synthese-{name}.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            word.write,
            national=False,
        ),
        Format(
            "xlsx",
            "Tableur (XLSX)",
            "une feuille par étape, une ligne par ligne des tableaux",
            "synthese-{name}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx.write,
        ),
        Format(
            "csv",
            "Données ouvertes (CSV)",
            "fichiers CSV décrits par un datapackage.json, en archive ZIP",
            "synthese-{name}-csv.zip",
            "application/zip",
            csvpackage.write,
        ),
        Format(
            "json",
            "JSON",
            "le document complet, décrit par un schéma JSON",
            "synthese-{name}.json",
            "application/json",
            jsondoc.write,
        ),
    ]
}


@dataclass
class Export:
    data: bytes
    filename: str
    media_type: str
    key: str
    from_cache: bool = False


def _sources():
    here = Path(__file__).resolve().parent
    markup = here.parent / "importing" / "markup.py"  # the DOCX's style names
    return [*sorted(here.glob("*.py")), here.parent / "documents.py", markup]


@lru_cache(maxsize=8)
def _code_digest(stats):
    digest = hashlib.sha256(str(EXPORT_VERSION).encode())
    for path, _mtime, _size in stats:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def code_version():
    """Changes whenever the code that writes the exports changes."""
    return _code_digest(tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in _sources()))


def content_key(fmt, syntheses, versions, *, national=False):
    """The cache key of a file: its format, its content, the code that writes it."""
    fingerprint = content_fingerprint(syntheses, versions)
    scope = "national" if national else "one"
    digest = hashlib.sha256(f"{code_version()}|{fmt}|{scope}|{fingerprint}".encode())
    return f"exchange:export:{digest.hexdigest()}"


def export(fmt, syntheses, *, user=None, national=False, versions=None, key=None):
    """The file of these syntheses in this format, as `user` reads them (None: as stored).

    `versions` and `key` (of `versions_read_by` and `content_key`) when the caller has them.
    Raises ExportRefused (French message) for content a backup could not hold either.
    """
    fmt = FORMATS[fmt]
    syntheses = list(syntheses)
    if versions is None:
        versions = versions_read_by(user, syntheses)
    if key is None:
        key = content_key(fmt.key, syntheses, versions, national=national)
    name = "syntheses" if national else syntheses[0].slug
    filename = fmt.filename.format(name=name)
    data = cache.get(key)
    if data is not None:
        result = Export(data, filename, fmt.media_type, key, from_cache=True)
    else:
        bundle = collect(syntheses, user=user, national=national, versions=versions)
        data = fmt.writer(bundle)
        cache.set(key, data, SIZE_TIMEOUT)
        result = Export(data, filename, fmt.media_type, key)
    remember_size(size_key(fmt.key, syntheses, versions, national=national), len(data))
    return result


# Sizes the synthesis page shows, without a query ------------------------------------------


def state(synthesis, version=None):
    """What a synthesis's files depend on, cheaply: the version read, else its last change."""
    if version is not None:
        return f"{synthesis.pk}v{version.pk}"
    return f"{synthesis.pk}@{synthesis.updated_at.isoformat() if synthesis.updated_at else ''}"


def size_key(fmt, syntheses, versions, *, national=False, extra=""):
    states = ",".join(state(s, versions.get(s.pk)) for s in syntheses)
    scope = "national" if national else "one"
    digest = hashlib.sha256(f"{code_version()}|{fmt}|{scope}|{states}|{extra}".encode())
    return f"exchange:size:{digest.hexdigest()}"


def remember_size(key, size):
    cache.set(key, size, SIZE_TIMEOUT)


def known_sizes(keys):
    """{key: size} of the sizes remembered (one cache read)."""
    return cache.get_many(list(keys)) if keys else {}
