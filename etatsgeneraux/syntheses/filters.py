"""The filters of « Mes synthèses » and of the home page: region, status, year, and words of
the title, in the URL's query string (`?region=pays-de-la-loire&statut=publiee&annee=2020&
recherche=vendee`), so that a filtered list can be shared as a link.

The lists are small (the syntheses one user may read: a few per region and year), and are
read whole, once: the choices offered are those of the list itself, and filtering happens in
Python, so that a filtered page costs the same queries as the whole list. The title search
ignores case and accents, and wants every word typed (« vendee synthese » finds « Synthèse
départementale de la Vendée »). A value that names nothing (an unknown region, a year
typed in the URL) is ignored, and said so.
"""

import unicodedata
from dataclasses import dataclass, field

from workshops.models import Synthesis

# The status filter's values in the URL, in French, and their labels.
STATUSES = {
    "brouillon": (Synthesis.Status.DRAFT, "Brouillon"),
    "publiee": (Synthesis.Status.PUBLISHED, "Publiée"),
}
MAX_SEARCH_LENGTH = 200


def folded(text):
    """Lower case, without accents, spaces squeezed: how titles and searches compare."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


@dataclass
class Filters:
    """The filters a request asks for, and the choices the form offers."""

    region: str = ""
    status: str = ""
    year: int | None = None
    search: str = ""
    regions: list = field(default_factory=list)  # [(code, name)]
    years: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # [(value, label)]
    ignored: list = field(default_factory=list)  # French sentences

    @property
    def active(self):
        return bool(self.region or self.status or self.year or self.search)

    def keeps(self, synthesis):
        if self.region and synthesis.region.code != self.region:
            return False
        if self.status and synthesis.status != STATUSES[self.status][0]:
            return False
        if self.year and synthesis.year != self.year:
            return False
        if self.search:
            title = folded(synthesis.title)
            return all(word in title for word in folded(self.search).split())
        return True

    def apply(self, syntheses):
        return [synthesis for synthesis in syntheses if self.keeps(synthesis)]


def read(query, syntheses):
    """The Filters of a query string (request.GET), with the choices these syntheses offer."""
    regions = sorted(
        {(s.region.code, s.region.name) for s in syntheses}, key=lambda item: folded(item[1])
    )
    years = sorted({s.year for s in syntheses}, reverse=True)
    filters = Filters(
        regions=regions,
        years=years,
        statuses=[(value, label) for value, (_, label) in STATUSES.items()],
    )
    region = query.get("region", "").strip()
    if region:
        if region in dict(regions):
            filters.region = region
        else:
            filters.ignored.append("région inconnue")
    status = query.get("statut", "").strip()
    if status:
        if status in STATUSES:
            filters.status = status
        else:
            filters.ignored.append("statut inconnu")
    year = query.get("annee", "").strip()
    if year:
        if year.isascii() and year.isdigit() and len(year) == 4 and int(year) in years:
            filters.year = int(year)
        else:
            filters.ignored.append("année sans synthèse")
    filters.search = " ".join(query.get("recherche", "").split())[:MAX_SEARCH_LENGTH]
    return filters
