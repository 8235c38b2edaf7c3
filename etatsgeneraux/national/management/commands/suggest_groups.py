from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.national import grouping


class Command(BaseCommand):
    help = "Calcule les groupes d'énoncés semblables d'une thématique, toutes régions confondues."

    def add_arguments(self, parser):
        parser.add_argument("--thematique", type=int, required=True)

    def handle(self, *args, thematique, **options):
        if not 1 <= thematique <= 9:
            raise CommandError("Numéro de thématique inconnu (1 à 5).")
        count = grouping.compute_and_keep(
            thematique, lambda percent, message: self.stdout.write(f"{percent}\u00a0% {message}")
        )
        self.stdout.write(f"{count} groupes suggérés.")
