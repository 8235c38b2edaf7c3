"""Benchmark of the « État d'avancement » page: server-side time to render it.

Measures the page of the Pays de la Loire regional synthesis and of a copy ten times larger
(every action-plan row repeated, bench_exports.scaled_copy), both with a year of weekly
measurements per indicator and a status on every action (devtools/followup_data.py),
through the whole Django stack (middleware, view, queries, templates) with the test client,
as a facilitator of the region (who gets the bulk-change checkboxes). Prints the median and
the spread of `--runs` renderings, the SQL queries and the size of the page. Runs inside a
transaction that is rolled back: nothing is left behind.
"""

import cProfile
import gc
import io
import pstats
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from etatsgeneraux.devtools.followup_data import fill_followup
from etatsgeneraux.devtools.management.commands.bench_exports import scaled_copy
from etatsgeneraux.devtools.sections import demo_section
from etatsgeneraux.followup import pdf as followup_pdf
from workshops.models import Membership
from workshops.text import NBSP

TARGET_MS = 150


class Command(BaseCommand):
    help = (
        "Mesure le temps de rendu (côté serveur) de la page «\u00a0État d’avancement\u00a0» "
        "pour la synthèse Pays de la Loire et pour une synthèse dix fois plus grande, avec un "
        "an de mesures hebdomadaires par indicateur."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=15, help="Mesures par cas (15).")
        parser.add_argument("--scale", type=int, default=10, help="Taille de la copie (×10).")
        parser.add_argument("--weeks", type=int, default=52, help="Mesures par indicateur (52).")
        parser.add_argument("--slug", default="pays-de-la-loire-2020", help="Synthèse copiée.")
        parser.add_argument(
            "--profile", action="store_true", help="Profil cProfile d’un rendu de la copie."
        )
        parser.add_argument(
            "--pdf", action="store_true", help="Aussi : un rendu du PDF de suivi de chaque cas."
        )

    def handle(self, *args, runs, scale, weeks, slug, profile, pdf, **options):
        self.pdf = pdf
        self.verbosity = options["verbosity"]
        if runs < 1 or scale < 1 or weeks < 0:
            raise CommandError("--runs et --scale au moins 1, --weeks au moins 0.")
        with override_settings(ALLOWED_HOSTS=["testserver"]), transaction.atomic():
            real = demo_section(slug, 1).synthesis
            user = get_user_model().objects.create(username="banc-suivi")
            Membership.objects.create(
                user=user, role=Membership.Role.FACILITATOR, region=real.region
            )
            client = Client()
            client.force_login(user)
            counts = fill_followup(real, weeks=weeks)
            self._bench(client, real, runs, "réelle", counts)
            if scale > 1:
                copy = scaled_copy(real, scale, slug="banc-suivi")
                copy.title = f"Banc d’essai du suivi (×{scale})"
                copy.save(update_fields=["title"])
                counts = fill_followup(copy, weeks=weeks)
                median = self._bench(client, copy, runs, f"×{scale}", counts)
                verdict = "atteint" if median * 1000 < TARGET_MS else "NON atteint"
                self.stdout.write(
                    f"\nObjectif {TARGET_MS}{NBSP}ms (médiane, ×{scale}){NBSP}: {verdict}."
                )
                if profile:
                    self._profile(client, copy)
            transaction.set_rollback(True)

    def _bench(self, client, synthesis, runs, label, counts=None):
        url = reverse("followup:page", args=[synthesis.slug])
        response = client.get(url)  # warm-up: templates compiled, URLs resolved
        if response.status_code != 200:
            raise CommandError(f"{url}{NBSP}: réponse {response.status_code}.")
        log = []
        queries = _count_queries(lambda: client.get(url), log)
        if self.verbosity > 1:
            self.stdout.write("\n".join(sql[:160] for sql in log))
        times = []
        for _ in range(runs):
            gc.collect()
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        counts = counts or {}
        median = statistics.median(times)
        if self.pdf:
            started = time.perf_counter()
            data = followup_pdf.render(None, synthesis)
            rows_pdf = [
                ("PDF de suivi (un rendu)", f"{time.perf_counter() - started:.1f} s"),
                ("Taille du PDF", f"{len(data) / 1024:.0f} Ko"),
            ]
        else:
            rows_pdf = []
        self.stdout.write(
            f"\n«{NBSP}{synthesis.title}{NBSP}» ({synthesis.slug}, {label}){NBSP}: "
            f"{counts.get('actions', '?')} actions, {counts.get('indicators', '?')} indicateurs, "
            f"{counts.get('measurements', '?')} mesures, {runs} mesures du rendu"
        )
        rows = [
            ("Rendu de la page (médiane)", f"{median * 1000:.0f} ms"),
            ("Minimum – maximum", f"{min(times) * 1000:.0f} – {max(times) * 1000:.0f} ms"),
            ("Requêtes SQL", str(queries)),
            ("Taille de la page", f"{len(response.content) / 1024:.0f} Ko"),
            *rows_pdf,
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.stdout.write(f"  {name.ljust(width)}{NBSP}: {value}")
        return median

    def _profile(self, client, synthesis):
        url = reverse("followup:page", args=[synthesis.slug])
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(20)
        self.stdout.write(report.getvalue())


def _count_queries(function, log=None):
    count = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal count
        count += 1
        if log is not None:
            log.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return count
