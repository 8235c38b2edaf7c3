"""Writes the backup of a synthesis to a JSON file (see workshops/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.exchange import backup
from workshops.models import Synthesis


class Command(BaseCommand):
    help = (
        "Sauvegarde une synthèse (tous ses champs, tout son contenu, dans l’ordre) dans un "
        "fichier JSON, que restore_synthesis restaure à l’identique."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifiant de la synthèse, ex. pays-de-la-loire-2020.")
        parser.add_argument(
            "--output",
            "-o",
            required=True,
            help="Fichier JSON à écrire (remplacé d’un bloc s’il existe) ; « - » : la sortie "
            "standard.",
        )
        parser.add_argument(
            "--with-annexes",
            action="store_true",
            help="Pour une synthèse régionale : ses annexes départementales dans le même fichier.",
        )

    def handle(self, *args, slug, output, with_annexes, **options):
        synthesis = Synthesis.objects.filter(slug=slug).first()
        if synthesis is None:
            raise CommandError(
                f"Synthèse {backup.q(slug)} introuvable{backup.NBSP}: rien n’a été écrit."
            )
        try:
            data = backup.build_backup(synthesis, with_annexes=with_annexes)
            text = backup.dumps(data)
            if output == "-":
                self.stdout.write(text, ending="")
            else:
                backup.write_atomically(output, text)
        except backup.BackupError as error:
            raise CommandError("\n".join(error.messages)) from error
        # With the backup on the standard output, the summary goes to the error output.
        report = self.stderr if output == "-" else self.stdout
        where = "sur la sortie standard" if output == "-" else f"dans {backup.q(output)}"
        size = backup.size_text(len(text.encode("utf-8")))
        report.write(f"Sauvegarde écrite {where} ({size}){backup.NBSP}:")
        for entry in [data, *data.get("annexes", [])]:
            counts = backup.content_counts(entry["content"])
            parts = [backup.plural(number, *backup.LABELS[key]) for key, number in counts.items()]
            report.write(
                f"- {backup.q(entry['synthesis']['slug'])}{backup.NBSP}: {', '.join(parts)}."
            )
