"""Writes the follow-up of a synthesis as a CSV for a spreadsheet (see followup/csvio.py)."""

from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.exchange.backup import BackupError, write_atomically
from etatsgeneraux.followup import csvio, rollup
from workshops.models import Synthesis
from workshops.text import NBSP


class Command(BaseCommand):
    help = (
        "Exporte le suivi d’une synthèse (statuts, avancements, pilotes, échéances, valeurs des "
        "indicateurs) en CSV pour un tableur\u00a0; import_followup le réimporte."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifiant de la synthèse, ex. pays-de-la-loire-2020.")
        parser.add_argument(
            "--output",
            "-o",
            required=True,
            help="Fichier CSV à écrire\u00a0; «\u00a0-\u00a0»\u00a0: la sortie standard.",
        )

    def handle(self, *args, slug, output, **options):
        synthesis = Synthesis.objects.select_related("region").filter(slug=slug).first()
        if synthesis is None:
            raise CommandError(
                f"Synthèse «{NBSP}{slug}{NBSP}» introuvable{NBSP}: rien n’a été écrit."
            )
        followup = rollup.load(synthesis)[synthesis.pk]
        data = csvio.export_bytes(followup)
        if output == "-":
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        try:
            write_atomically(output, data)
        except BackupError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stdout.write(
            f"Suivi de «{NBSP}{synthesis.title}{NBSP}» écrit dans «{NBSP}{output}{NBSP}» "
            f"({len(followup.actions)}{NBSP}actions, {len(followup.indicators)}{NBSP}indicateurs)."
        )
