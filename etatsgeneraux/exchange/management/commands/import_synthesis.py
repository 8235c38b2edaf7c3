from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.exchange.importing import ImportRefused, import_synthesis, read_file


def shown(value):
    """A command-line argument as it can be printed: the bytes that were not UTF-8 (which
    Python keeps as lone surrogates) written as \\xff, a NUL character as \\x00."""
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no terminal produces
        return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def checked(value, option):
    """An option's text, or CommandError when it holds what no database accepts: a NUL
    character, or bytes that are not UTF-8 (a terminal or script in another encoding)."""
    if value is not None and shown(value) != value:
        raise CommandError(
            f"{option} « {shown(value)} » contient des caractères invalides (octets qui ne "
            "sont pas de l'UTF-8, ou caractère nul) : vérifiez l'encodage du terminal ou du "
            "script qui lance la commande."
        )
    return value


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
        options = {
            "slug": checked(slug, "L'identifiant (--slug)"),
            "region": checked(region, "La région (--region)"),
            "department": checked(department, "Le département (--department)"),
            "parent": checked(parent, "La synthèse parente (--parent)"),
        }
        try:
            if "\x00" in path:  # no file name holds one
                raise ImportRefused(f"Fichier introuvable : {shown(path)}")
            data = read_file(path)
        except ImportRefused as refusal:
            raise CommandError(shown(refusal.message)) from None
        # The file name is printed in the report: a name that is not UTF-8 is opened as it
        # is, and shown escaped.
        report = import_synthesis(data, filename=shown(path), dry_run=dry_run, **options)
        if report.outcome == "refused":  # unreadable file: one message, nothing else to report
            raise CommandError(report.refusal)
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(report.failure_message)
