"""Restores a synthesis from a backup file written by backup_synthesis."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from etatsgeneraux.exchange import backup


class Command(BaseCommand):
    help = (
        "Restaure une synthèse (et ses annexes s’il y en a) depuis un fichier écrit par "
        "backup_synthesis. Le fichier est vérifié en entier avant d’écrire quoi que ce soit ; "
        "tout est écrit en une transaction, ou rien."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="Fichier de sauvegarde (JSON) ; « - » : l’entrée standard."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Si la synthèse existe : remplace ses champs et tout son contenu par ceux de la "
            "sauvegarde (la même synthèse est gardée, avec ses annexes).",
        )

    def handle(self, *args, file, replace, **options):
        try:
            data = backup.parse(backup.read_file(file))
            restored = backup.restore(data, replace=replace)
        except backup.BackupError as error:
            raise CommandError(self._refused(file, error.messages)) from error
        except DatabaseError as error:  # a constraint, a concurrent write: rolled back
            raise CommandError(
                self._refused(
                    file, [f"l’écriture a échoué ({error}){backup.NBSP}; la base est inchangée."]
                )
            ) from error
        for item in restored:
            self.stdout.write(item.summary())
            for warning in item.warnings:
                self.stderr.write(f"Attention{backup.NBSP}: {warning}")

    @staticmethod
    def _refused(file, messages):
        lines = [f"Sauvegarde {backup.q(file)} refusée, rien n’a été écrit{backup.NBSP}:"]
        lines += [f"- {message}" for message in messages]
        return "\n".join(lines)
