"""The « Télécharger » block of a synthesis page: its PDF, DOCX, XLSX, CSV and JSON, with
their sizes, and the same formats for everything the reader may read.

The page never writes a file: it shows the sizes remembered when each file was last made
for this state of the synthesis (`exports.known_sizes`: one cache read, no query). When one
is missing (the synthesis changed since), the block asks for itself again once the page is
shown (htmx, `views.synthesis_downloads`): that request writes the missing data files,
cached by content so that their download is then immediate, and finds the PDF's size if the
PDF is in its cache (it is never rendered for a size: 2 to 15 seconds).
"""

from dataclasses import dataclass, field

from django.urls import reverse

from etatsgeneraux.exchange.exports import files as exports
from etatsgeneraux.reports.pdf import template_version
from workshops.text import size_text


@dataclass
class Link:
    key: str
    label: str
    description: str
    url: str
    size: int | None = None
    kind: str = ""  # what the DSFR's download link shows before the size: « DOCX »

    @property
    def size_text(self):
        return size_text(self.size) if self.size is not None else ""


@dataclass
class Downloads:
    links: list
    national: list
    sizes_url: str
    schema_url: str
    complete: bool = True  # every size of the synthesis's data files is known
    refused: list = field(default_factory=list)  # formats that cannot be written, and why


PDF = ("pdf", "PDF", "la synthèse mise en page, prête à imprimer")


def pdf_size_key(synthesis, versions, annexes):
    """The remembered size of the synthesis's PDF (with its annexes, as the PDF has them)."""
    return exports.size_key("pdf", [synthesis, *annexes], versions, extra=template_version())


def _kind(key):
    return "ZIP" if key == "csv" else key.upper()


def block(synthesis, *, shown_version=None, annexes=(), sizes=None):
    """The block's content for a reader who reads `shown_version` of the synthesis (None: its
    stored content) and these annexes in its PDF. `sizes`: {format: size} known already (the
    sizes request); otherwise the remembered ones (no query)."""
    versions = {synthesis.pk: shown_version} if shown_version is not None else {}
    keys = {fmt: exports.size_key(fmt, [synthesis], versions) for fmt in exports.FORMATS}
    keys["pdf"] = pdf_size_key(synthesis, versions, annexes)
    if sizes is None:
        known = exports.known_sizes(keys.values())
        sizes = {fmt: known.get(key) for fmt, key in keys.items()}
    slug = synthesis.slug
    links = [
        Link(
            PDF[0],
            PDF[1],
            PDF[2],
            reverse("reports:synthesis_pdf", args=[slug]),
            sizes.get("pdf"),
            "PDF",
        )
    ]
    links += [
        Link(
            fmt.key,
            fmt.label,
            fmt.description,
            reverse("exchange:download", args=[slug, fmt.key]),
            sizes.get(fmt.key),
            _kind(fmt.key),
        )
        for fmt in exports.FORMATS.values()
    ]
    national = [
        Link(
            fmt.key,
            fmt.label,
            fmt.description,
            reverse("exchange:national", args=[fmt.key]),
            kind=_kind(fmt.key),
        )
        for fmt in exports.FORMATS.values()
        if fmt.national
    ]
    return Downloads(
        links=links,
        national=national,
        sizes_url=reverse("syntheses:downloads", args=[slug]),
        schema_url=reverse("exchange:schema"),
        # The PDF's size alone does not ask again: it is known once someone has rendered it.
        complete=all(link.size is not None for link in links if link.key != "pdf"),
    )
