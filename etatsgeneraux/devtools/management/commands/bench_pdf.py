"""Benchmark of the PDF syntheses: source and PDF times, pages, memory, cached download.

Runs inside a transaction that is rolled back: the demo synthesis is loaded if the
database lacks it, a synthetic synthesis N times larger is generated (with
`etatsgeneraux.exchange.documents.create_synthesis`), and nothing is left behind. The cache
used is a temporary file-based one, like the production default.
"""

import gc
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from etatsgeneraux.devtools.memory import tree_peak
from etatsgeneraux.exchange.documents import create_synthesis
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.stages import STAGE_COLUMNS, STAGES
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Synthesis

# The statement columns of each stage, by their keys in the nested document.
STATEMENT_CELLS = STAGE_COLUMNS

# Words of the domain, to make statements that wrap like real ones.
_VERBS = [
    "Renforcer",
    "Accompagner",
    "Former",
    "Mutualiser",
    "Identifier",
    "Développer",
    "Anticiper",
    "Associer",
    "Sécuriser",
    "Cartographier",
    "Valoriser",
    "Harmoniser",
]
_OBJECTS = [
    "les usages pédagogiques de l’ENT",
    "la formation des enseignants aux outils numériques",
    "le prêt de matériel aux familles",
    "les compétences numériques des élèves (CRCN, PIX)",
    "la continuité pédagogique en cas de crise",
    "les échanges entre l’école et les familles",
    "l’accès à une connexion de qualité dans les zones blanches",
    "la protection des données personnelles (RGPD)",
    "le travail collaboratif entre pairs",
    "la maintenance des équipements des établissements",
    "la mise en œuvre d’un plan de continuité",
    "les ressources numériques éducatives",
]
_COMPLEMENTS = [
    "avec les collectivités territoriales",
    "dès la rentrée scolaire",
    "au sein de chaque bassin",
    "en lien avec les ERUN et les RUPN",
    "pour les élèves à besoins particuliers",
    "à l’échelle du département",
    "en s’appuyant sur les médiathèques et les centres sociaux",
    "dans le cadre du conseil pédagogique",
    "avec un « accompagnement de proximité »",
    "sans alourdir la charge de travail : un enjeu majeur ?",
]


def _statement(rng, emphasis_rate=0.03):
    words = [rng.choice(_VERBS), rng.choice(_OBJECTS)]
    for _ in range(rng.choice([0, 1, 1, 2])):
        words.append(rng.choice(_COMPLEMENTS))
    text = " ".join(words)
    if rng.random() < emphasis_rate:
        return {"text": text, "emphasised": True}
    return text


def _cell(rng, low, high, empty_rate=0.06):
    if rng.random() < empty_rate:
        return []
    return [_statement(rng) for _ in range(rng.randint(low, high))]


def _section(rng, thematic, rows):
    diagnostic, projections, action_plan = [], [], []
    for index in range(rows):
        irritants = _cell(rng, 2, 7)
        diagnostic.append(
            {"retex": [1 + index % 3], "irritants": irritants, "strengths": _cell(rng, 2, 7)}
        )
        # Half of the main irritants are the diagnostic's own words: they get linked.
        main = [i for i in irritants[:2] if rng.random() < 0.5] + _cell(rng, 1, 2)
        levers = _cell(rng, 2, 5)
        projections.append({"main_irritants": main, "needs": _cell(rng, 1, 3), "levers": levers})
        axes = levers[:1] + _cell(rng, 0, 1)
        action_plan.append(
            {
                "axes": axes,
                "actions": _cell(rng, 2, 6),
                "actors": _cell(rng, 1, 4),
                "timing": _cell(rng, 0, 2),
                "indicators": _cell(rng, 1, 4),
                "horizon": rng.choice(["court", "moyen", "long", ""]),
            }
        )
    return {
        "thematic": thematic,
        "retex": [
            {
                "number": number,
                "origin": rng.choice(["Académie", "Loire-Atlantique", "Vendée", "Sarthe"]),
                "title": f"Témoignage n°{number} : {rng.choice(_OBJECTS)}",
                "text": " ".join(str(_statement(rng, 0)) for _ in range(3)) + ".",
                "links": [f"https://example.org/retex/{thematic}/{number}"],
            }
            for number in (1, 2, 3)
        ],
        "diagnostic": diagnostic,
        "projections": projections,
        "action_plan": action_plan,
    }


def _sessions(rng):
    return [
        {
            "title": title,
            "dates_places": "Du 28/09 au 09/10 : visioconférences\nLe 14/10 : Le Mans",
            "format": fmt,
            "facilitators": [
                {"name": f"Animateur {n}", "role": "Chargé de mission DANE"} for n in range(1, 6)
            ],
            "participations": [
                {
                    "category": category,
                    "ticked": True,
                    "participants": rng.randint(0, 300),
                    "establishments": rng.randint(1, 80) if category <= 2 else None,
                }
                for category in range(1, 10)
            ],
        }
        for title, fmt in [("Séances académiques", "distanciel"), ("Rencontres", "both")]
    ]


def _proposal(rng, number):
    return {
        "title": f"Proposition phare n°{number} : {rng.choice(_OBJECTS)}",
        "summary": "\n\n".join(str(_statement(rng, 0)) + "." for _ in range(4)),
        "establishments": "tous les collèges",
        "territory": "Toute l’académie",
        "effort": "moyen",
    }


def synthetic_documents(statements, *, slug="synthese-synthetique", seed=2020):
    """Nested documents (for `create_synthesis`) of a published regional synthesis of the
    Pays de la Loire and two departmental annexes, holding about `statements` statements."""
    rows = max(3, round(statements / 25))
    documents = _generate(rows, slug, seed)
    # A second pass corrects the estimate of statements per row.
    rows = max(3, round(rows * statements / max(1, count_statements(documents))))
    return _generate(rows, slug, seed)


def _generate(rows_total, slug, seed):
    rng = random.Random(seed)
    shares = [
        ("", rows_total * 6 // 10),
        ("44", rows_total * 2 // 10),
        ("85", rows_total * 2 // 10),
    ]
    documents = []
    for department, rows in shares:
        sections = []
        for index, thematic in enumerate((1, 3, 5, 4, 2)):
            # Spread the remainder so the total matches rows_total.
            sections.append(_section(rng, thematic, max(1, rows // 5 + (index < rows % 5))))
        documents.append(
            {
                "slug": f"{slug}-{department}" if department else slug,
                "title": (
                    f"Synthèse départementale synthétique ({department})"
                    if department
                    else "Synthèse régionale synthétique"
                ),
                "year": 2020,
                "status": Synthesis.Status.PUBLISHED,
                "region": "pays-de-la-loire",
                "department": department or None,
                "parent": slug if department else None,
                "sessions": _sessions(rng),
                "sections": sections,
                "flagship_proposals": [_proposal(rng, 1), _proposal(rng, 2)],
            }
        )
    return documents


def count_statements(documents):
    return sum(
        len(row.get(cell, []))
        for document in documents
        for section in document["sections"]
        for stage, cells in STATEMENT_CELLS.items()
        for row in section[stage]
        for cell in cells
    )


def create_synthetic(statements, *, slug="synthese-synthetique", seed=2020):
    """Creates the synthetic synthesis and its annexes; returns the regional one."""
    documents = synthetic_documents(statements, slug=slug, seed=seed)
    created = [create_synthesis(document) for document in documents]
    return created[0], count_statements(documents)


def synthesis_statement_count(synthesis):
    """Statements of a synthesis and of its annexes, as the full report prints them."""
    report = reports.build_report(Synthesis.objects.get(pk=synthesis.pk), None)
    total = 0
    for item in (report.synthesis, *report.annexes):
        for section in item.report_sections:
            # The rows and statements the report loaded (prefetched), stage by stage.
            for stage in STAGES.values():
                for row in getattr(section, stage.related_name).all():
                    total += sum(len(getattr(row, cell.related_name).all()) for cell in stage.cells)
    return total


@contextmanager
def count_queries():
    """Counts the queries run inside the block (whatever DEBUG's query log holds)."""
    counter = SimpleNamespace(count=0)

    def wrapper(execute, sql, params, many, context):
        counter.count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def _ms(seconds):
    return f"{seconds * 1000:,.0f}".replace(",", " ") + " ms"


class Command(BaseCommand):
    help = (
        "Mesure la génération des PDF : source, PDF, pages, mémoire et téléchargement "
        "en cache, pour la synthèse Pays de la Loire et une synthèse synthétique plus grande."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="Exécutions par cas (5).")
        parser.add_argument(
            "--scale", type=int, default=10, help="Taille de la synthèse synthétique (×10)."
        )
        parser.add_argument(
            "--slug", default="pays-de-la-loire-2020", help="Synthèse réelle mesurée."
        )

    def handle(self, *args, runs, scale, slug, **options):
        if runs < 1:
            raise CommandError("Il faut au moins une exécution.")
        with (
            tempfile.TemporaryDirectory() as cache_dir,
            override_settings(
                CACHES={
                    "default": {
                        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                        "LOCATION": cache_dir,
                    }
                }
            ),
            transaction.atomic(),
        ):
            real = self._real_synthesis(slug)
            real_count = synthesis_statement_count(real)
            synthetic, synthetic_count = create_synthetic(real_count * scale)
            self._bench(real, real_count, runs)
            self._bench(synthetic, synthetic_count, runs)
            transaction.set_rollback(True)
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"Mémoire résidente maximale du processus : {peak_rss:.0f} Mo")

    def _real_synthesis(self, slug):
        if not Synthesis.objects.filter(slug=slug).exists():
            call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)
            call_command("loaddata", DEMO_FIXTURE, verbosity=0)
        try:
            return Synthesis.objects.get(slug=slug)
        except Synthesis.DoesNotExist as error:
            raise CommandError(f"Synthèse introuvable : {slug}") from error

    def _bench(self, synthesis, statements, runs):
        source_times, pdf_times, pages, size = [], [], 0, 0
        synthesis = Synthesis.objects.get(pk=synthesis.pk)  # nothing prefetched yet
        with count_queries() as report_queries:
            report = reports.build_report(synthesis, AnonymousUser())
        with count_queries() as key_queries:
            reports.pdf_key(reports.report_syntheses(synthesis, AnonymousUser()))
        for _ in range(runs):
            gc.collect()
            result = reports.render_pdf(report)
            source_times.append(result.source_seconds)
            pdf_times.append(result.pdf_seconds)
            pages, size = result.pages, len(result.pdf)

        gc.collect()
        tracemalloc.start()
        reports.render_pdf(report)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        with tree_peak() as resident:
            reports.render_pdf(report)

        client = Client(HTTP_HOST="localhost")
        url = reverse("reports:synthesis_pdf", args=[synthesis.slug])
        # Rendered in the view whatever its size, to time it (the site sends a cold PDF above
        # PDF_INLINE_MAX_CHARACTERS to a background job instead).
        with override_settings(PDF_INLINE_MAX_CHARACTERS=10**12):
            started = time.perf_counter()
            first = client.get(url)
            first_seconds = time.perf_counter() - started
        cached_times = []
        for _ in range(max(runs, 5)):
            started = time.perf_counter()
            response = client.get(url)
            cached_times.append(time.perf_counter() - started)
            if response.status_code != 200 or response.content != first.content:
                raise CommandError("Le téléchargement en cache diffère du premier.")

        self.stdout.write(
            f"\n« {synthesis.title} » ({synthesis.slug}) : {statements} énoncés, {runs} exécutions"
        )
        rows = [
            ("Requêtes pour construire le rapport", str(report_queries.count)),
            ("Requêtes pour la clé de cache", str(key_queries.count)),
            ("Données du document (médiane)", _ms(statistics.median(source_times))),
            ("PDF Typst (médiane)", _ms(statistics.median(pdf_times))),
            (
                "Total source + PDF (médiane)",
                _ms(statistics.median(h + p for h, p in zip(source_times, pdf_times, strict=True))),
            ),
            ("Pages", str(pages)),
            ("Taille du PDF", f"{size / 1024:.0f} Ko"),
            ("Pic mémoire Python (tracemalloc)", f"{peak / 1024 / 1024:.0f} Mo"),
            (
                "Pic mémoire résidente, processus et enfants",
                f"{resident['bytes'] / 1024 / 1024:.0f} Mo",
            ),
            ("Premier téléchargement (vue, sans cache)", _ms(first_seconds)),
            ("Téléchargement en cache (vue, médiane)", _ms(statistics.median(cached_times))),
        ]
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            self.stdout.write(f"  {label.ljust(width)} : {value}")
