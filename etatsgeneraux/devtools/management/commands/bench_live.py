"""Benchmark of the board's live updates: what an idle board costs the server.

Every page open on a board polls `…/changements/` every `live.POLL_SECONDS` (every
`live.HIDDEN_POLL_SECONDS` while its tab is hidden). Measures, through the whole Django stack
(middleware, authentication, view, queries, cache) with the test client, as a facilitator of
the region (not an administrator: the rights query is the real one):

- the idle poll, nothing changed (204): median, 90th percentile, queries;
- the poll that finds someone arrived or left (200, the list of people present);
- the poll that finds the board changed (200, the sheets and the three tables);

and derives the requests per minute and the server time per minute of one idle page. Runs
inside a transaction that is rolled back: the demo data is loaded if the database lacks it,
and nothing is left behind (the entry of the people present is removed).
"""

import gc
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from etatsgeneraux.board import live
from etatsgeneraux.devtools.sections import demo_section
from workshops.models import Membership
from workshops.text import NBSP

# As board.js asks, over https (as production is served; no redirection measured).
HTMX = {"HTTP_HX_REQUEST": "true", "secure": True}


class Command(BaseCommand):
    help = (
        "Mesure le coût d’un tableau d’atelier ouvert et inactif pour le serveur (mises à jour "
        "en direct)\u00a0: requêtes par minute, temps médian de la requête de suivi."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=300, help="Mesures à vide (300).")
        parser.add_argument(
            "--runs-changed", type=int, default=15, help="Mesures quand le tableau a changé (15)."
        )
        parser.add_argument("--slug", default="pays-de-la-loire-2020", help="Synthèse mesurée.")
        parser.add_argument(
            "--thematique", type=int, default=2, help="Numéro canonique de la thématique (2)."
        )

    def handle(self, *args, runs, runs_changed, slug, thematique, **options):
        if runs < 1 or runs_changed < 1:
            raise CommandError("Il faut au moins une mesure.")
        # The test client's host, whatever ALLOWED_HOSTS says (DEBUG off, as in production).
        with override_settings(ALLOWED_HOSTS=["testserver"]), transaction.atomic():
            section = demo_section(slug, thematique)
            users = get_user_model().objects
            facilitator = users.create(username="banc-direct", first_name="Banc")
            Membership.objects.create(
                user=facilitator,
                role=Membership.Role.FACILITATOR,
                region_id=section.synthesis.region_id,
            )
            other = users.create(username="banc-direct-2", first_name="Autre")
            client = Client()
            client.force_login(facilitator)
            self._bench(client, section, other, runs, runs_changed)
            transaction.set_rollback(True)

    def _bench(self, client, section, other, runs, runs_changed):
        url = reverse("board:changes", args=[section.synthesis.slug, section.thematic.number])
        cache.delete(live._key(section.pk))  # nobody else on the board, whatever ran before
        first = client.get(url, **HTMX)  # warm-up: templates compiled, URLs resolved
        if first.status_code != 200:
            raise CommandError(f"{url}\u00a0: réponse {first.status_code}.")
        known = {"version": first["X-Board-Version"], "presence": first["X-Board-Presence"]}

        idle = _timed(lambda: client.get(url, known, **HTMX), runs, expected=204)
        idle_queries = _count_queries(lambda: client.get(url, known, **HTMX))

        # Someone arrives: the page that polls next gets the list of people present.
        def arrived():
            live.present(section.pk, other)
            return client.get(url, known, **HTMX)

        presence = _timed(arrived, runs_changed, expected=200)
        live.present(section.pk, other, now=0)  # gone again for the next measures

        changed = _timed(lambda: client.get(url, **HTMX), runs_changed, expected=200)
        changed_queries = _count_queries(lambda: client.get(url, **HTMX))

        cache.delete(live._key(section.pk))
        per_minute = 60 / live.POLL_SECONDS
        hidden_per_minute = 60 / live.HIDDEN_POLL_SECONDS
        median = statistics.median(idle)
        self.stdout.write(
            f"\nTableau «{NBSP}{section.display_title}{NBSP}» ({section.synthesis.slug}), "
            f"base {connection.vendor}, {runs} mesures à vide"
        )
        rows = [
            (
                "Requêtes par minute et par page ouverte",
                f"{per_minute:.0f} (onglet caché{NBSP}: {hidden_per_minute:.0f})",
            ),
            ("Suivi à vide, 204 (médiane)", _ms(median)),
            ("  90e centile, minimum – maximum", f"{_ms(_p90(idle))}, {_range(idle)}"),
            ("  requêtes SQL", f"{idle_queries} (dont 3 d’authentification)"),
            ("Temps serveur par minute et par page", _ms(median * per_minute)),
            ("Arrivée d’une personne, 200 (médiane)", _ms(statistics.median(presence))),
            ("Tableau modifié, 200 (médiane)", _ms(statistics.median(changed))),
            ("  requêtes SQL", str(changed_queries)),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.stdout.write(f"  {name.ljust(width)}{NBSP}: {value}")


def _timed(function, runs, *, expected):
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        response = function()
        times.append(time.perf_counter() - started)
        if response.status_code != expected:
            raise CommandError(f"Réponse {response.status_code} au lieu de {expected}.")
    return times


def _ms(seconds):
    return f"{seconds * 1000:.1f}\u00a0ms"


def _p90(times):
    return sorted(times)[max(0, int(len(times) * 0.9) - 1)]


def _range(times):
    return f"{min(times) * 1000:.1f} – {max(times) * 1000:.1f}\u00a0ms"


def _count_queries(function):
    count = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return count
