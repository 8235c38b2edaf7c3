"""The section a benchmark measures, taken from the shipped demo data."""

from django.core.management import call_command
from django.core.management.base import CommandError

from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Synthesis, ThematicSection
from workshops.text import NBSP


def demo_section(slug, number):
    """The section of thematic `number` in synthesis `slug`, loading the shipped data into an
    empty database first (benchmarks run inside a transaction they roll back)."""
    if not Synthesis.objects.filter(slug=slug).exists():
        call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)
        call_command("loaddata", DEMO_FIXTURE, verbosity=0)
    section = (
        ThematicSection.objects.select_related("synthesis", "thematic")
        .filter(synthesis__slug=slug, thematic__number=number)
        .first()
    )
    if section is None:
        raise CommandError(f"Section introuvable{NBSP}: {slug}, thématique {number}.")
    return section
