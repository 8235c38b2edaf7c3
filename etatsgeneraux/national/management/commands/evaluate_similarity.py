from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from etatsgeneraux.national import similarity

PAIRS = Path(settings.BASE_DIR) / "tests" / "national" / "data" / "labelled_pairs.csv"


class Command(BaseCommand):
    help = "Précision et rappel des deux méthodes de similarité sur les paires étiquetées."

    def handle(self, *args, **options):
        for result in similarity.evaluate(PAIRS):
            self.stdout.write(
                f"{result.method} (seuil {result.threshold})\u00a0: précision "
                f"{result.precision:.2f}, rappel {result.recall:.2f}"
            )
