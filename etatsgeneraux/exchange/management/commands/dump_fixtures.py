from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.exchange.fixtures import serialize_syntheses
from workshops.fixtures import DEMO_FIXTURE, DEMO_SLUGS
from workshops.models import Synthesis


class Command(BaseCommand):
    help = "Réécrit la fixture de démonstration à partir des synthèses de la base."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "fixtures" / f"{DEMO_FIXTURE}.json"),
            help="Fichier à écrire (par défaut : la fixture de démonstration).",
        )

    def handle(self, *args, output, **options):
        syntheses = list(Synthesis.objects.filter(slug__in=DEMO_SLUGS))
        missing = set(DEMO_SLUGS) - {synthesis.slug for synthesis in syntheses}
        if missing:
            raise CommandError("Synthèse(s) absente(s) de la base : " + ", ".join(sorted(missing)))
        Path(output).write_text(serialize_syntheses(syntheses) + "\n", encoding="utf-8")
        self.stdout.write(f"Fixture écrite : {output}")
