"""Imports a follow-up CSV (written by export_followup, edited in a spreadsheet)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.followup import csvio
from workshops.text import NBSP


class Command(BaseCommand):
    help = (
        "Importe un suivi au format CSV (exporté par export_followup et modifié dans un "
        "tableur)\u00a0: n’enregistre que ce qui a changé, et rien si une ligne est erronée."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifier seulement\u00a0: ne rien enregistrer."
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        try:
            if path.is_dir():
                raise CommandError(f"«{NBSP}{file}{NBSP}» est un dossier, pas un fichier.")
            if path.stat().st_size > csvio.MAX_BYTES:
                raise CommandError(csvio.too_big_text())
            data = path.read_bytes()
        except FileNotFoundError as error:
            raise CommandError(f"Fichier «{NBSP}{file}{NBSP}» introuvable.") from error
        except PermissionError as error:
            raise CommandError(f"Lecture de «{NBSP}{file}{NBSP}» refusée (permissions).") from error
        try:
            result = csvio.import_bytes(data, dry_run=dry_run)
        except csvio.CsvError as error:
            raise CommandError(
                "Suivi refusé, rien n’a été enregistré :\n"
                + "\n".join(f"- {message}" for message in error.messages)
            ) from error
        self.stdout.write(result.summary())
        for key, text, what in result.actions:
            self.stdout.write(f"- {key} «{NBSP}{text[:60]}{NBSP}»{NBSP}: {', '.join(what)}")
        for key, text, what in result.indicators:
            self.stdout.write(f"- {key} «{NBSP}{text[:60]}{NBSP}»{NBSP}: {', '.join(what)}")
        for key, text, when in result.measurements:
            self.stdout.write(f"- {key} «{NBSP}{text[:60]}{NBSP}»{NBSP}: mesure du {when:%d/%m/%Y}")
        for warning in result.warnings:
            self.stderr.write(warning)
