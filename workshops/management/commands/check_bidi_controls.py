"""Lists the stored texts holding bidirectional controls (U+202A–U+202E, U+2066–U+2069).

The forms refuse them now; texts saved before may hold some. Exits non-zero when any is found,
so that a deployment script can stop on it.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models

BIDI_CONTROLS = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
# The apps holding the platform's texts (history tables included: a restore brings them back).
APPS = ("workshops", "actionplans")


class Command(BaseCommand):
    help = (
        "Liste les textes enregistrés qui contiennent des caractères de contrôle de la "
        "direction du texte (U+202A à U+202E, U+2066 à U+2069) ; sort en erreur s’il y en a."
    )

    def handle(self, *args, **options):
        found = 0
        for label in APPS:
            for model in apps.get_app_config(label).get_models():
                for field in model._meta.concrete_fields:
                    if not isinstance(field, (models.CharField, models.TextField)):
                        continue
                    query = models.Q()
                    for character in BIDI_CONTROLS:
                        query |= models.Q(**{f"{field.name}__contains": character})
                    for pk, value in model.objects.filter(query).values_list("pk", field.name):
                        found += 1
                        codes = ", ".join(
                            f"U+{ord(c):04X} (caractère {i + 1})"
                            for i, c in enumerate(value)
                            if c in BIDI_CONTROLS
                        )
                        self.stdout.write(
                            f"{model._meta.label} n° {pk}, champ « {field.verbose_name} » : {codes}"
                        )
        if found:
            raise CommandError(
                f"{found} texte(s) contiennent des caractères de contrôle de la direction du "
                "texte : corrigez-les (administration ou tableau) avant de les publier."
            )
        self.stdout.write("Aucun texte ne contient de caractère de contrôle de la direction.")
