"""Benchmark of the workshop board: server-side time to render the page of a section.

Measures the largest section of the demo synthesis (pays-de-la-loire-2020, thematic 2
« Enseigner et apprendre avec le numérique ») and a copy of it ten times larger (its rows,
statements, links and RETEX sheets repeated), through the whole Django stack (middleware,
view, queries, templates) with the test client, as a facilitator who may edit it. Runs inside
a transaction that is rolled back: the demo data is loaded if the database lacks it, and
nothing is left behind.
"""

import gc
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from etatsgeneraux.devtools.sections import demo_section
from etatsgeneraux.stages import CELLS, STAGES
from workshops.models import (
    RetexLink,
    RetexReference,
    RetexSheet,
    Synthesis,
    ThematicSection,
)
from workshops.text import NBSP


def scaled_copy(section, factor, *, slug="banc-tableau"):
    """A new draft synthesis whose section holds `factor` copies of this section's content.

    Links between stages (main irritant → irritant, axis → lever) point inside each copy.
    """
    synthesis = Synthesis.objects.create(
        slug=slug,
        title=f"Banc d’essai du tableau (×{factor})",
        year=section.synthesis.year,
        region_id=section.synthesis.region_id,
    )
    copy = ThematicSection.objects.create(
        synthesis=synthesis, thematic_id=section.thematic_id, title=section.title, position=1
    )
    sheets = list(RetexSheet.objects.filter(section=section).order_by("number"))
    links = list(RetexLink.objects.filter(sheet__in=sheets).order_by("position"))
    highest = max((sheet.number for sheet in sheets), default=0)
    for round_ in range(factor):
        new_sheets = {}
        for sheet in sheets:
            new_sheets[sheet.pk] = RetexSheet.objects.create(
                synthesis=synthesis,
                section=copy,
                number=sheet.number + round_ * highest,
                origin=sheet.origin,
                title=sheet.title,
                text=sheet.text,
            )
        RetexLink.objects.bulk_create(
            RetexLink(
                sheet=new_sheets[link.sheet_id],
                position=link.position,
                url=link.url,
                label=link.label,
            )
            for link in links
        )
        copied = {}  # old statement pk → new statement, per model, for the links
        for stage in STAGES.values():
            rows = stage.row_model.objects.filter(section=section).order_by("position")
            for row in rows:
                new_row = stage.row_model.objects.create(
                    section=copy,
                    position=round_ * 1000 + row.position,
                    thematic_label=row.thematic_label,
                    **({"retex_label": row.retex_label} if hasattr(row, "retex_label") else {}),
                    **({"horizon": row.horizon} if hasattr(row, "horizon") else {}),
                )
                if hasattr(row, "retex_label"):
                    RetexReference.objects.bulk_create(
                        RetexReference(row=new_row, sheet=new_sheets[reference.sheet_id])
                        for reference in row.retex_references.all()
                        if reference.sheet_id in new_sheets
                    )
                for cell in stage.cells:
                    for statement in getattr(row, cell.related_name).order_by("position"):
                        fields = {
                            "row": new_row,
                            "position": statement.position,
                            "text": statement.text,
                            "emphasised": statement.emphasised,
                        }
                        if cell.linked:
                            source = copied.get((cell.source_cell.model, statement.source_id))
                            fields["source"] = source
                            if source is None and not statement.text:
                                fields["text"] = statement.display_text
                        new = cell.model.objects.create(**fields)
                        copied[(cell.model, statement.pk)] = new
    return copy


def statement_count(section):
    return sum(cell.model.objects.filter(row__section=section).count() for cell in CELLS.values())


class Command(BaseCommand):
    help = (
        "Mesure le temps de rendu (côté serveur) du tableau d’atelier pour la plus grande "
        "section de la synthèse Pays de la Loire et pour une section dix fois plus grande."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=9, help="Mesures par cas (9).")
        parser.add_argument("--scale", type=int, default=10, help="Taille de la copie (×10).")
        parser.add_argument("--slug", default="pays-de-la-loire-2020", help="Synthèse mesurée.")
        parser.add_argument(
            "--thematique", type=int, default=2, help="Numéro canonique de la thématique (2)."
        )

    def handle(self, *args, runs, scale, slug, thematique, **options):
        if runs < 1:
            raise CommandError("Il faut au moins une mesure.")
        # The test client's host, whatever ALLOWED_HOSTS says (DEBUG off, as in production).
        with override_settings(ALLOWED_HOSTS=["testserver"]), transaction.atomic():
            section = demo_section(slug, thematique)
            user = get_user_model().objects.create(username="banc-tableau", is_staff=True)
            client = Client()
            client.force_login(user)
            self._bench(client, section, runs)
            if scale > 1:
                self._bench(client, scaled_copy(section, scale), runs, scale=scale)
            transaction.set_rollback(True)

    def _bench(self, client, section, runs, scale=1):
        url = reverse("board:page", args=[section.synthesis.slug, section.thematic.number])
        response = client.get(url)  # warm-up: templates compiled, URLs resolved
        if response.status_code != 200:
            raise CommandError(f"{url}\u00a0: réponse {response.status_code}.")
        queries = _count_queries(lambda: client.get(url))
        times = []
        for _ in range(runs):
            gc.collect()
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        label = f"×{scale}" if scale > 1 else "réelle"
        self.stdout.write(
            f"\n«{NBSP}{section.display_title}{NBSP}» ({section.synthesis.slug}, "
            f"section {label}){NBSP}: {statement_count(section)} énoncés, {runs} mesures"
        )
        rows = [
            ("Rendu du tableau (médiane)", f"{statistics.median(times) * 1000:.0f} ms"),
            ("Minimum – maximum", f"{min(times) * 1000:.0f} – {max(times) * 1000:.0f} ms"),
            ("Requêtes SQL", str(queries)),
            ("Taille de la page", f"{len(response.content) / 1024:.0f} Ko"),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.stdout.write(f"  {name.ljust(width)}\u00a0: {value}")


def _count_queries(function):
    count = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return count
