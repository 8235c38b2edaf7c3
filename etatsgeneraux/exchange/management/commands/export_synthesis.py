"""Writes a synthesis (or every synthesis) as DOCX, XLSX, CSV data package or JSON."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F

from etatsgeneraux.exchange import backup
from etatsgeneraux.exchange.exports import files as exports
from etatsgeneraux.exchange.exports import schema as json_schema
from etatsgeneraux.exchange.management.commands.import_synthesis import checked, shown
from workshops.models import Synthesis
from workshops.text import NBSP, size_text

FORMAT_NAMES = ", ".join(exports.FORMATS)


class Command(BaseCommand):
    help = (
        "Exporte une synthèse : docx (le modèle national, que import_synthesis relit), xlsx "
        "(tableur), csv (données ouvertes : archive ZIP de fichiers CSV et de leur "
        "datapackage.json) ou json (le document complet, que restore_synthesis relit). La "
        "ligne de commande lit les synthèses telles qu’enregistrées, brouillons compris."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slug", nargs="?", help="Identifiant de la synthèse, ex. pays-de-la-loire-2020."
        )
        parser.add_argument("--format", "-f", dest="fmt", help=f"Format : {FORMAT_NAMES}.")
        parser.add_argument(
            "--output",
            "-o",
            help="Fichier à écrire (remplacé d’un bloc s’il existe) ; « - » : la sortie standard.",
        )
        parser.add_argument(
            "--all",
            dest="everything",
            action="store_true",
            help="Toutes les synthèses non archivées dans un seul fichier (xlsx, csv, json).",
        )
        parser.add_argument(
            "--schema",
            dest="write_schema",
            action="store_true",
            help="Écrit le schéma JSON du document (celui que la plateforme publie).",
        )

    def handle(self, *args, slug, fmt, output, everything, write_schema, **options):
        started = time.perf_counter()
        if not output:
            raise CommandError(
                f"Indiquez le fichier à écrire{NBSP}: --output synthese.docx (ou « - » pour la "
                "sortie standard)."
            )
        checked(output, "Le fichier")
        if write_schema:
            self.write(output, json_schema.text().encode("utf-8"))
            self.report(output, "Schéma JSON", None, started)
            return
        if fmt is None or checked(fmt, "Le format") not in exports.FORMATS:
            given = f"«{NBSP}{shown(fmt)}{NBSP}» inconnu" if fmt else "manquant"
            raise CommandError(f"Format {given}{NBSP}: choisissez --format parmi {FORMAT_NAMES}.")
        if everything:
            if slug:
                raise CommandError("Donnez un identifiant de synthèse ou --all, pas les deux.")
            if not exports.FORMATS[fmt].national:
                raise CommandError(
                    f"Le format {fmt} vaut pour une seule synthèse (le modèle national)"
                    f"{NBSP}: exportez-les une à une."
                )
            syntheses = list(
                Synthesis.objects.active().order_by(
                    "-year", "region__name", F("department__code").asc(nulls_first=True), "slug"
                )
            )
            if not syntheses:
                raise CommandError(f"Aucune synthèse à exporter{NBSP}: rien n’a été écrit.")
        else:
            if not slug:
                raise CommandError(
                    f"Indiquez l’identifiant de la synthèse (ex. pays-de-la-loire-2020){NBSP}: "
                    "ou --all pour toutes."
                )
            checked(slug, "L’identifiant de la synthèse")
            synthesis = Synthesis.objects.filter(slug=slug).first()
            if synthesis is None:
                raise CommandError(
                    f"Synthèse «{NBSP}{shown(slug)}{NBSP}» introuvable{NBSP}: rien n’a été écrit."
                )
            syntheses = [synthesis]
        try:
            result = exports.export(fmt, syntheses, national=everything)
        except exports.ExportRefused as refusal:
            raise CommandError(f"{refusal} Rien n’a été écrit.") from refusal
        self.write(output, result.data)
        self.report(output, exports.FORMATS[fmt].label, result, started)

    def write(self, output, data):
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        try:
            backup.write_atomically(output, data)
        except backup.BackupError as error:
            raise CommandError("\n".join(error.messages)) from error

    def report(self, output, label, result, started):
        # With the file on the standard output, the summary goes to the error output.
        stream = self.stderr if output == "-" else self.stdout
        where = "sur la sortie standard" if output == "-" else f"dans «{NBSP}{shown(output)}{NBSP}»"
        size = f" ({size_text(len(result.data))})" if result is not None else ""
        origin = ", depuis le cache" if result is not None and result.from_cache else ""
        elapsed = f"{(time.perf_counter() - started) * 1000:.0f}{NBSP}ms"
        stream.write(f"{label} écrit {where}{size} en {elapsed}{origin}.")
