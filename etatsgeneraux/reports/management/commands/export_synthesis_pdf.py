"""Writes the PDF of a synthesis (or of one thematic, or one flagship proposal) to a file."""

import argparse
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.exchange.management.commands.import_synthesis import checked, shown
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.reports import typeset
from workshops.models import Synthesis


def number(value):
    """A sheet or thematic number, with a French message for anything else."""
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise argparse.ArgumentTypeError(
            f"« {shown(value)} » n'est pas un numéro : un entier positif d'au plus "
            "9 chiffres, par exemple 2."
        )
    return int(value)


class Command(BaseCommand):
    help = (
        "Écrit le PDF d'une synthèse dans un fichier et affiche le nombre de pages et le "
        "temps de génération. La ligne de commande lit toutes les synthèses, brouillons "
        "compris."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifiant de la synthèse, ex. pays-de-la-loire-2020.")
        parser.add_argument("--output", "-o", required=True, help="Fichier PDF à écrire.")
        variant = parser.add_mutually_exclusive_group()
        variant.add_argument(
            "--thematique",
            type=number,
            metavar="N",
            help="Seulement la thématique N°N (numéro national, de 1 à 5, comme partout ailleurs).",
        )
        variant.add_argument(
            "--proposition",
            type=number,
            metavar="N",
            help="Seulement la fiche de la proposition phare n°N.",
        )
        parser.add_argument(
            "--sans-cache",
            action="store_true",
            help="Régénère le PDF même si une version identique est en cache.",
        )

    def handle(self, *args, slug, output, thematique, proposition, sans_cache, **options):
        started = time.perf_counter()
        checked(slug, "L'identifiant de la synthèse")
        try:
            synthesis = Synthesis.objects.select_related("region", "department", "parent").get(
                slug=slug
            )
        except Synthesis.DoesNotExist as error:
            raise CommandError(f"Synthèse introuvable : {slug}") from error
        try:
            if proposition is not None:
                report = reports.build_proposal_report(synthesis, proposition)
            else:
                report = reports.build_report(synthesis, None, thematic=thematique)
        except LookupError as error:
            raise CommandError(str(error)) from error
        try:
            rendered = reports.render_pdf(report) if sans_cache else reports.report_pdf(report)
        except typeset.TypstRefused as error:
            raise CommandError(str(error)) from None
        try:
            if "\x00" in output:  # no file name holds one
                raise FileNotFoundError
            Path(output).write_bytes(rendered.pdf)
        except OSError as error:
            raise CommandError(
                f"Impossible d'écrire le PDF dans « {shown(output)} » ({_reason(error)}) : "
                "vérifiez que le dossier existe et qu'on peut y écrire."
            ) from None
        elapsed = time.perf_counter() - started
        origin = " (depuis le cache)" if rendered.from_cache else ""
        pages = f"{rendered.pages} page{'s' if rendered.pages > 1 else ''}"
        self.stdout.write(f"PDF écrit : {shown(output)} – {pages} en {_seconds(elapsed)}{origin}")


def _seconds(value):
    return f"{value:.2f}".replace(".", ",") + " s"


def _reason(error):
    """Why a file could not be written, in French (the system's message may not be)."""
    if isinstance(error, FileNotFoundError):
        return "dossier introuvable"
    if isinstance(error, IsADirectoryError):
        return "c'est un dossier"
    if isinstance(error, PermissionError):
        return "écriture refusée"
    return "erreur d'écriture"
