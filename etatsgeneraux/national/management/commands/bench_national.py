"""The national benchmark: 18 regions, each ten times the Pays de la Loire synthesis (about
80 000 indexed statements), then the median times of a search with two facets (counts
included) and of the grouping of one thematic. Runs in a transaction rolled back at the end."""

import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.http import QueryDict

from actionplans.models import IndexedStatement
from etatsgeneraux.devtools.sections import demo_section
from etatsgeneraux.national import index, similarity
from etatsgeneraux.national.search import Search
from workshops.models import Membership, Region, Synthesis

QUALIFIERS = [
    "dans les écoles",
    "au collège",
    "au lycée",
    "pour les familles",
    "dans le premier degré",
    "en milieu rural",
    "pour les enseignants",
    "",
]


class Rollback(Exception):
    pass


def variant(text, rng):
    """A rewording of a statement: one word left out or two swapped, a qualifier added."""
    parts = text.split()
    if len(parts) > 3 and rng.random() < 0.5:
        parts.pop(rng.randrange(1, len(parts)))
    elif len(parts) > 3:
        i = rng.randrange(1, len(parts) - 1)
        parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join([*parts, rng.choice(QUALIFIERS)]).strip()


class Command(BaseCommand):
    help = "Mesure la recherche nationale et le regroupement sur 18 régions (≈ 80 000 énoncés)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument(
            "--copies", type=int, default=10
        )  # ten times Pays de la Loire per region

    def handle(self, *args, runs, copies, **options):
        try:
            with transaction.atomic():
                self._bench(runs, copies)
                raise Rollback
        except Rollback:
            pass

    def _bench(self, runs, copies):
        rng = random.Random(2020)
        model = demo_section("pays-de-la-loire-2020", 1).synthesis
        for synthesis in Synthesis.objects.filter(region=model.region_id):  # with its annex
            index.index_synthesis(synthesis)
        source = list(IndexedStatement.objects.filter(region=model.region_id))
        started = time.perf_counter()
        entries = []
        for region in Region.objects.all():
            synthesis = Synthesis.objects.create(
                slug=f"bench-{region.code}",
                title=f"Synthèse {region.name}",
                year=2020,
                region=region,
            )
            for _ in range(copies):
                for entry in source:
                    entries.append(
                        IndexedStatement(
                            kind=entry.kind,
                            object_id=10_000_000 + len(entries),
                            synthesis=synthesis,
                            region=region,
                            thematic_id=entry.thematic_id,
                            stage=entry.stage,
                            emphasised=entry.emphasised,
                            text=variant(entry.text, rng),
                            rank=entry.rank,
                        )
                    )
        for entry in entries:
            entry.terms = (
                " ".join(index.words.stems(entry.text)) if connection.vendor == "sqlite" else ""
            )
        IndexedStatement.objects.bulk_create(entries, batch_size=5000)
        index.vectorise(IndexedStatement.objects.filter(vector__isnull=True))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would have
        total = IndexedStatement.objects.count()
        self.stdout.write(
            f"Jeu national ({connection.vendor})\u00a0: {total} énoncés indexés, "
            f"construit en {time.perf_counter() - started:.1f}\u00a0s"
        )
        user = get_user_model().objects.create(username="bench-national")
        Membership.objects.create(user=user, role=Membership.Role.NATIONAL)
        params = QueryDict("q=maintenance+du+mat%C3%A9riel&thematique=1&etape=diagnostic")
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            search = Search(params, user)
            ids, _facets = search.compute()
            count = len(ids)
            search.entries_of_page(ids[:50])
            timings.append(time.perf_counter() - started)
        self.stdout.write(
            f"Recherche «\u00a0maintenance du matériel\u00a0» + 2 facettes, comptes compris "
            f"({count} résultats)\u00a0: médiane {statistics.median(timings) * 1000:.0f}\u00a0ms "
            f"sur {runs}"
        )
        grouping = []
        for _ in range(2):
            started = time.perf_counter()
            groups = similarity.group_thematic(1)
            grouping.append(time.perf_counter() - started)
        thematic_size = IndexedStatement.objects.filter(
            thematic__number=1, kind__in=similarity.GROUPED_KINDS
        ).count()
        self.stdout.write(
            f"Regroupement de la thématique 1 ({thematic_size} énoncés, {len(groups)} groupes)"
            f"\u00a0: médiane {statistics.median(grouping):.1f}\u00a0s sur {len(grouping)}"
        )
