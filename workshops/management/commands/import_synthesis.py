from django.core.management.base import BaseCommand, CommandError

from workshops.importing import ImportRefused, import_synthesis, read_file


class Command(BaseCommand):
    help = (
        "Importe une synthèse écrite dans le modèle national (document Word .docx ou son "
        "export texte) : tout ou rien, sans effet si le document n'a pas changé."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Le document Word (.docx) ou son export texte.")
        parser.add_argument(
            "--slug", required=True, help="Identifiant de la synthèse, par exemple vendee-2020."
        )
        parser.add_argument("--region", help="Code de la région académique (pays-de-la-loire).")
        parser.add_argument("--department", help="Code du département (85).")
        parser.add_argument("--parent", help="Identifiant de la synthèse régionale parente.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Analyse le document et affiche le rapport sans rien écrire.",
        )

    def handle(self, *args, path, slug, region, department, parent, dry_run, **options):
        try:
            data = read_file(path)
        except ImportRefused as refusal:
            raise CommandError(refusal.message) from None
        report = import_synthesis(
            data,
            filename=path,
            slug=slug,
            region=region,
            department=department,
            parent=parent,
            dry_run=dry_run,
        )
        if report.outcome == "refused":  # unreadable file: one message, nothing else to report
            raise CommandError(report.refusal)
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(report.failure_message)
