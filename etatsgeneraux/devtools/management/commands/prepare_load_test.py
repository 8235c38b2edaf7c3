"""Prepares a throw-away database for the load scenario of loadtest/locustfile.py.

It creates two accounts with random passwords (a facilitator of Pays de la Loire and the
referent of Vendée), a draft synthesis « atelier-charge » that the simulated facilitators edit
(so that the published syntheses the referents download stay unchanged and their PDFs cached),
and a few statements that every facilitator edits at once, where conflicts are expected.
Everything the scenario needs is written to a JSON file, passwords included: this command
refuses any database whose name does not say it is a load-test one.
"""

import json
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import reverse

from etatsgeneraux.stages import DIAGNOSTIC
from workshops.fixtures import DEMO_FIXTURE, DEMO_SLUGS, REFERENCE_FIXTURE
from workshops.models import (
    Department,
    DiagnosticRow,
    Irritant,
    Membership,
    Region,
    Synthesis,
    Thematic,
    ThematicSection,
)

LOAD_TEST_MARK = "charge"
WORKSHOP_SLUG = "atelier-charge"
FACILITATOR, REFERENT = "charge-animatrice", "charge-referent"
SHARED_STATEMENTS = 3
# The PDF storm (issue « hostile load »): a synthesis at the size that once took a worker
# down, 2 000 statements of 2 000 characters, whose PDFs nobody has downloaded yet.
STORM_SLUG = "tempete-charge"
STORM_STATEMENTS = 2_000
STORM_TEXT_LENGTH = 2_000
ROWS_PER_THEMATIC = 12  # one row per simulated facilitator, spread over the five boards


def is_load_test_database():
    name = str(connection.settings_dict["NAME"])
    return LOAD_TEST_MARK in Path(name).name


class Command(BaseCommand):
    help = (
        "Prépare une base jetable pour le scénario de charge (loadtest/locustfile.py) : "
        "comptes, synthèse d'atelier, énoncés partagés. Refusé hors d'une base « …charge… »."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Fichier JSON du scénario à écrire.")

    def handle(self, *args, output, **options):
        if not is_load_test_database():
            raise CommandError(
                "Base refusée : le nom de la base doit contenir « charge » (par exemple "
                "etatsgeneraux_charge). Ce scénario crée des comptes aux mots de passe écrits "
                "dans un fichier ; il ne s'exécute jamais sur une vraie base."
            )
        with transaction.atomic():
            call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)
            if not Synthesis.objects.filter(slug__in=DEMO_SLUGS).exists():
                call_command("loaddata", DEMO_FIXTURE, verbosity=0)
            accounts = {
                "facilitator": self._account(FACILITATOR, region="pays-de-la-loire"),
                "referent": self._account(REFERENT, department="85"),
            }
            workshop = self._workshop()
            rows = self._rows(workshop)
            shared = self._shared_statements(workshop)
            storm = self._storm()
        scenario = {
            "accounts": accounts,
            "login": reverse("login"),
            "reading": self._reading_urls(),
            "pdfs": self._pdf_urls(),
            "rows": rows,
            "shared": shared,
            "storm_pdfs": storm,
        }
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(scenario, ensure_ascii=False, indent=2), encoding="utf-8")
        path.chmod(0o600)
        self.stdout.write(f"Scénario de charge prêt : {path}")

    def _account(self, username, *, region=None, department=None):
        user, _ = get_user_model().objects.get_or_create(username=username)
        password = secrets.token_urlsafe(24)
        user.set_password(password)
        user.save()
        if region:
            Membership.objects.get_or_create(
                user=user,
                role=Membership.Role.FACILITATOR,
                region=Region.objects.get(code=region),
            )
        else:
            Membership.objects.get_or_create(
                user=user,
                role=Membership.Role.REFERENT,
                department=Department.objects.get(code=department),
            )
        return {"username": username, "password": password}

    def _draft(self, slug, title):
        """A draft synthesis of Pays de la Loire (its facilitators write, its referents read)."""
        synthesis, _ = Synthesis.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "year": 2020,
                "region": Region.objects.get(code="pays-de-la-loire"),
            },
        )
        return synthesis

    def _workshop(self):
        workshop = self._draft(WORKSHOP_SLUG, "Atelier de charge")
        for thematic in Thematic.objects.all():
            ThematicSection.objects.get_or_create(synthesis=workshop, thematic=thematic)
        return workshop

    def _board(self, section):
        return reverse(
            "board:page", kwargs={"slug": WORKSHOP_SLUG, "number": section.thematic.number}
        )

    def _rows(self, workshop):
        """New empty diagnostic rows, each to be filled by one simulated facilitator."""
        rows = []
        sections = list(workshop.sections.select_related("thematic"))
        for _ in range(ROWS_PER_THEMATIC):
            for section in sections:
                row = DiagnosticRow.objects.create(section=section)
                board = self._board(section)
                rows.append(
                    {
                        "board": board,
                        "add": f"{board}{DIAGNOSTIC}/lignes/{row.pk}/irritants/ajouter/",
                        "edit": f"{board}enonces/irritants/",
                    }
                )
        return rows

    def _shared_statements(self, workshop):
        """New statements each run, at version 1, that every facilitator edits at once."""
        section = workshop.sections.select_related("thematic").order_by("position").first()
        row = DiagnosticRow.objects.create(section=section)
        board = self._board(section)
        return [
            {
                "id": statement.pk,
                "version": statement.version,
                "board": board,
                "edit": f"{board}enonces/irritants/{statement.pk}/modifier/",
            }
            for statement in (
                Irritant.objects.create(row=row, text=f"Énoncé partagé n°{n}")
                for n in range(1, SHARED_STATEMENTS + 1)
            )
        ]

    def _storm(self):
        """The storm synthesis (a draft of Pays de la Loire, which the referent reads) and
        five different PDFs of it: the whole and one per thematic but the last."""
        storm = self._draft(STORM_SLUG, "Tempête de PDF")
        sections = []
        for thematic in Thematic.objects.order_by("number"):
            section, _ = ThematicSection.objects.get_or_create(synthesis=storm, thematic=thematic)
            sections.append(section)
        rows = [DiagnosticRow.objects.create(section=section) for section in sections]
        words = ("équipement maintenance formation usages numérique établissement " * 40)[
            : STORM_TEXT_LENGTH - 5
        ]
        Irritant.objects.bulk_create(
            Irritant(row=rows[n % len(rows)], position=n // len(rows) + 1, text=f"{n:04d} {words}")
            for n in range(STORM_STATEMENTS)
        )
        return [reverse("reports:synthesis_pdf", args=[STORM_SLUG])] + [
            reverse("reports:thematic_pdf", args=[STORM_SLUG, section.thematic.number])
            for section in sections[:4]
        ]

    def _reading_urls(self):
        published = Synthesis.objects.published().filter(slug__in=DEMO_SLUGS)
        urls = [reverse("syntheses:home")]
        for synthesis in published:
            urls.append(reverse("syntheses:detail", args=[synthesis.slug]))
            urls.append(reverse("reports:synthesis_preview", args=[synthesis.slug]))
        return urls

    def _pdf_urls(self):
        urls = []
        for slug in DEMO_SLUGS:
            pdf = reverse("reports:synthesis_pdf", args=[slug])
            urls.append(pdf)
            if slug == DEMO_SLUGS[0]:
                numbers = Synthesis.objects.get(slug=slug).sections.values_list(
                    "thematic__number", flat=True
                )
                urls += [reverse("reports:thematic_pdf", args=[slug, n]) for n in numbers]
        return urls
