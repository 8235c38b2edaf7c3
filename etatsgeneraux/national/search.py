"""The national search: French full-text search over the index, with facets and their counts.

One interface, two backends: PostgreSQL matches `vector` (GIN index, configuration
`french_unaccent`: unaccent then the French Snowball stemmer); SQLite matches FTS5 over the
words that Python stemmed the same way (`words.stems`). The query is read as words only:
FTS syntax (`"`, `*`, `NEAR`, `-`) and SQL-looking text are words like any other, and each
word also finds its synonyms (`words.SYNONYMS`). Every word must be found (AND).
"""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from actionplans.models import IndexedStatement, NationalProposal, StatementTag
from etatsgeneraux.stages import CELLS, STAGES
from workshops.models import Department, Region, Synthesis, Thematic
from workshops.permissions import is_national_team

from . import words
from .index import CONFIG, FLAGSHIP, RETEX, kind_label

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
PAGE_SIZE = 50
WITHOUT = "aucun"  # the facet value of « no department », « no thematic »


class QueryError(ValueError):
    """A query the search cannot run; the message says why, in French."""


@dataclass
class Term:
    word: str
    alternatives: tuple

    @property
    def keys(self):
        return {words.stem(word) for word in self.alternatives}


def parse(text):
    """The terms of a query; [] for an empty one. QueryError for a query that cannot run."""
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Votre recherche compte {len(text)}\u00a0caractères\u00a0: {MAX_QUERY_LENGTH} au "
            "plus. Raccourcissez-la à quelques mots."
        )
    found = list(dict.fromkeys(words.words(text)))
    if not found:
        raise QueryError(
            "Votre recherche ne contient aucun mot assez significatif (seulement des mots très "
            "courants ou des signes)\u00a0: précisez-la."
        )
    if len(found) > MAX_WORDS:
        raise QueryError(
            f"Votre recherche compte {len(found)}\u00a0mots\u00a0: {MAX_WORDS} au plus. "
            "Gardez les plus significatifs."
        )
    return [Term(word, words.alternatives(word)) for word in found]


def matching(entries, terms):
    """The entries that contain every term (or one of its synonyms)."""
    if not terms:
        return entries
    if connection.vendor == "postgresql":
        raw = " & ".join(
            "(" + " | ".join(f"'{word}'" for word in term.alternatives) + ")" for term in terms
        )
        return entries.filter(vector=SearchQuery(raw, search_type="raw", config=CONFIG))
    fts = " AND ".join(
        "(" + " OR ".join(f'"{key}"' for key in sorted(term.keys)) + ")" for term in terms
    )
    return entries.filter(
        pk__in=RawSQL(
            "SELECT rowid FROM actionplans_statementfts WHERE actionplans_statementfts MATCH %s",
            [fts],
        )
    )


def readable_entries(user):
    """The index entries of the syntheses this user reads (the national team: every active
    synthesis, drafts included)."""
    syntheses = Synthesis.objects.active()
    if not is_national_team(user):
        syntheses = syntheses.filter(pk__in=Synthesis.objects.visible_to(user).values("pk"))
    # A list of ids (a few hundred syntheses at most) rather than a join: the planner then
    # starts from the full-text match.
    return IndexedStatement.objects.filter(
        synthesis__in=list(syntheses.values_list("pk", flat=True))
    )


@dataclass
class Facet:
    key: str
    label: str
    field: str  # what the counts group by
    options: list = field(default_factory=list)  # [(value, label, count, selected)]


FACETS = [
    ("region", "Région académique", "region"),
    ("departement", "Département", "department"),
    ("thematique", "Thématique", "thematic"),
    ("etape", "Étape", "stage"),
    ("colonne", "Colonne", "kind"),
    ("statut", "Statut de la synthèse", "synthesis__status"),
    ("proposition", "Proposition nationale", "proposal"),
    ("mis_en_avant", "Mis en avant", "emphasised"),
]
STATUS_LABELS = dict(Synthesis.Status.choices)
KIND_ORDER = [*CELLS, RETEX, FLAGSHIP]


class Search:
    """A search as the GET parameters of its page say it (shareable URLs)."""

    def __init__(self, params, user):
        self.user = user
        self.text = (params.get("q") or "").strip()
        self.error = None
        try:
            self.terms = parse(self.text)
        except QueryError as error:
            self.error, self.terms = str(error), []
        self.selected = {key: self._values(params, key) for key, _, _ in FACETS}

    @staticmethod
    def _values(params, key):
        values = [value for value in params.getlist(key) if value and len(value) <= 40]
        return list(dict.fromkeys(values))[:30]

    @property
    def keys(self):
        return set().union(*(term.keys for term in self.terms)) if self.terms else set()

    def _filter(self, entries, key, values):
        if key == "region":
            return entries.filter(region__code__in=values)
        if key == "departement":
            condition = Q(department__code__in=[value for value in values if value != WITHOUT])
            if WITHOUT in values:
                condition |= Q(department__isnull=True)
            return entries.filter(condition)
        if key == "thematique":
            numbers = [int(value) for value in values if value.isdigit()]
            condition = Q(thematic__number__in=numbers)
            if WITHOUT in values:
                condition |= Q(thematic__isnull=True)
            return entries.filter(condition)
        if key == "etape":
            return entries.filter(stage__in=values)
        if key == "colonne":
            return entries.filter(kind__in=values)
        if key == "statut":
            return entries.filter(synthesis__status__in=values)
        if key == "proposition":
            numbers = [int(value) for value in values if value.isdigit()]
            tags = StatementTag.objects.filter(
                proposal__number__in=numbers, kind=OuterRef("kind"), object_id=OuterRef("object_id")
            )
            return entries.filter(Exists(tags))
        if key == "mis_en_avant":
            flags = {"oui": True, "non": False}
            return entries.filter(emphasised__in=[flags[v] for v in values if v in flags])
        return entries

    def entries(self, *, leave_out=None):
        """The matching entries, every selected facet applied but `leave_out`."""
        entries = readable_entries(self.user)
        if self.error:
            return entries.none()
        entries = matching(entries, self.terms)
        for key, values in self.selected.items():
            if values and key != leave_out:
                entries = self._filter(entries, key, values)
        return entries

    def results(self):
        return (
            self.entries()
            .select_related("synthesis", "region", "department", "thematic")
            .order_by("region__name", "synthesis__department__code", "rank", "pk")
        )

    def _matches(self):
        """The matching entries as tuples, with what the facets need, in one full-text query:
        the facets are then counted here rather than by one query each (each query would
        scan the full-text index again)."""
        if hasattr(self, "_rows"):
            return self._rows
        self._rows = []
        if self.error:
            return self._rows
        statuses = dict(self._readable().values_list("pk", "status"))
        entries = matching(
            IndexedStatement.objects.filter(synthesis__in=list(statuses)), self.terms
        )
        tags = {}
        for proposal, kind, object_id in StatementTag.objects.values_list(
            "proposal", "kind", "object_id"
        ):
            tags.setdefault((kind, object_id), set()).add(proposal)
        for (
            pk,
            region,
            department,
            thematic,
            stage,
            kind,
            emphasised,
            synthesis,
            obj,
            rank,
        ) in entries.values_list(
            "pk",
            "region",
            "department",
            "thematic",
            "stage",
            "kind",
            "emphasised",
            "synthesis",
            "object_id",
            "rank",
        ):
            self._rows.append(
                {
                    "pk": pk,
                    "region": region,
                    "departement": department,
                    "thematique": thematic,
                    "etape": stage,
                    "colonne": kind,
                    "statut": statuses[synthesis],
                    "proposition": tags.get((kind, obj), ()),
                    "mis_en_avant": emphasised,
                    "rank": rank,
                }
            )
        return self._rows

    def _readable(self):
        syntheses = Synthesis.objects.active()
        if not is_national_team(self.user):
            syntheses = syntheses.filter(
                pk__in=Synthesis.objects.visible_to(self.user).values("pk")
            )
        return syntheses

    def _accepted(self):
        """{facet key: the set of values (ids, slugs) a row must have}, for the chosen facets."""
        regions = dict(Region.objects.values_list("code", "pk"))
        thematics = dict(Thematic.objects.values_list("number", "pk"))
        accepted = {}
        for key, values in self.selected.items():
            if not values:
                continue
            if key == "region":
                wanted = {regions.get(value) for value in values}
            elif key == "departement":
                wanted = set(
                    Department.objects.filter(code__in=values).values_list("pk", flat=True)
                )
                if WITHOUT in values:
                    wanted.add(None)
            elif key == "thematique":
                wanted = {thematics.get(int(v)) for v in values if v.isdigit() and len(v) < 4}
                if WITHOUT in values:
                    wanted.add(None)
            elif key == "proposition":
                numbers = [int(value) for value in values if value.isdigit() and len(value) < 6]
                wanted = set(
                    NationalProposal.objects.filter(number__in=numbers).values_list("pk", flat=True)
                )
            elif key == "mis_en_avant":
                wanted = {{"oui": True, "non": False}.get(value) for value in values}
            else:
                wanted = set(values)
            accepted[key] = wanted - {None} if key not in ("departement", "thematique") else wanted
        return accepted

    @staticmethod
    def _passes(row, key, wanted):
        if key == "proposition":
            return bool(wanted & set(row[key]))
        return row[key] in wanted

    def compute(self):
        """The ids of the results, in reading order, and the facet counts."""
        rows, accepted = self._matches(), self._accepted()
        counts = {key: {} for key, _, _ in FACETS}
        results = []
        for row in rows:
            failed = [key for key, wanted in accepted.items() if not self._passes(row, key, wanted)]
            if len(failed) > 1:
                continue
            for key in counts:
                if failed and failed[0] != key:
                    continue
                values = row[key] if key == "proposition" else (row[key],)
                for value in values:
                    counts[key][value] = counts[key].get(value, 0) + 1
            if not failed:
                results.append(row)
        names = dict(Region.objects.values_list("pk", "name"))
        codes = dict(Department.objects.values_list("pk", "code"))
        results.sort(
            key=lambda row: (
                names.get(row["region"], ""),
                codes.get(row["departement"], ""),
                row["rank"],
                row["pk"],
            )
        )
        return [row["pk"] for row in results], self._labelled(counts)

    @staticmethod
    def entries_of_page(ids):
        """The entries of one page of results (`ids` in reading order)."""
        entries = IndexedStatement.objects.filter(pk__in=ids).select_related(
            "synthesis", "region", "department", "thematic"
        )
        by_pk = {entry.pk: entry for entry in entries}
        return [by_pk[pk] for pk in ids if pk in by_pk]

    def _labelled(self, counts):
        regions = {r.pk: r for r in Region.objects.filter(pk__in=counts["region"])}
        departments = {
            d.pk: d
            for d in Department.objects.filter(pk__in=[k for k in counts["departement"] if k])
        }
        thematics = {t.pk: t for t in Thematic.objects.all()}
        proposals = {p.pk: p for p in NationalProposal.objects.filter(pk__in=counts["proposition"])}
        options = {
            "region": sorted(
                ((r.code, r.name, counts["region"][pk]) for pk, r in regions.items()),
                key=lambda option: option[1],
            ),
            "departement": [
                (WITHOUT, "Synthèse régionale", counts["departement"][None])
                for _ in [0]
                if None in counts["departement"]
            ]
            + sorted((d.code, str(d), counts["departement"][pk]) for pk, d in departments.items()),
            "thematique": [
                (str(t.number), f"N°{t.number} {t.short_title}", counts["thematique"][pk])
                for pk, t in sorted(thematics.items(), key=lambda item: item[1].number)
                if pk in counts["thematique"]
            ]
            + [
                (WITHOUT, "Toute la synthèse", counts["thematique"][None])
                for _ in [0]
                if None in counts["thematique"]
            ],
            "etape": [
                (stage.slug, stage.label, counts["etape"][stage.slug])
                for stage in STAGES.values()
                if stage.slug in counts["etape"]
            ],
            "colonne": [
                (kind, kind_label(kind), counts["colonne"][kind])
                for kind in KIND_ORDER
                if kind in counts["colonne"]
            ],
            "statut": [
                (status, label, counts["statut"][status])
                for status, label in STATUS_LABELS.items()
                if status in counts["statut"]
            ],
            "proposition": [
                (str(p.number), f"{p.number}. {p.title}", counts["proposition"][pk])
                for pk, p in sorted(proposals.items(), key=lambda item: item[1].number)
            ],
            "mis_en_avant": [
                (value, label, counts["mis_en_avant"][flag])
                for value, label, flag in (("oui", "Oui", True), ("non", "Non", False))
                if flag in counts["mis_en_avant"]
            ],
        }
        return [
            Facet(
                key,
                label,
                group,
                [
                    (value, text, count, value in self.selected[key])
                    for value, text, count in options[key]
                ],
            )
            for key, label, group in FACETS
        ]
