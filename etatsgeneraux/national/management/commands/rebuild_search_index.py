from django.core.management.base import BaseCommand

from etatsgeneraux.national import index


class Command(BaseCommand):
    help = (
        "Reconstruit l'index de la recherche nationale (tous les énoncés de toutes les synthèses)."
    )

    def handle(self, *args, **options):
        total = index.rebuild()
        self.stdout.write(f"Index de la recherche nationale\u00a0: {total} énoncés indexés.")
