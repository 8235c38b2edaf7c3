"""Counts the edits lost during a load run, from the ledger loadtest/locustfile.py writes.

Every save the server acknowledged (HTTP 200) is in the ledger. An added statement must be
stored exactly once, a statement edited by one simulated facilitator must hold the last text
acknowledged to them, and a statement edited by all of them at once must have taken exactly
one version per acknowledged save (a 409 conflict is not a loss: the user was shown both
texts). Anything else is a lost edit, and the command fails.
"""

import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workshops.models import Irritant


def lost_edits(scenario, ledger):
    """The acknowledged saves that the database does not hold, each with what was found."""
    lost = []
    # An added statement must hold its last acknowledged text, and only one row may hold it.
    expected = {}
    for key, text in ledger["added"].items():
        if key.startswith("?"):  # acknowledged, but absent from the server's answer
            lost.append(f"ajout « {text} » absent de la réponse du serveur")
        else:
            expected[int(key)] = text
    expected.update({int(pk): text for pk, text in ledger["edited"].items()})
    stored = dict(Irritant.objects.filter(pk__in=expected).values_list("pk", "text"))
    copies = Counter(
        Irritant.objects.filter(text__in=expected.values()).values_list("text", flat=True)
    )
    for pk, text in expected.items():
        if stored.get(pk) != text:
            lost.append(f"énoncé {pk} : « {stored.get(pk)} » au lieu de « {text} »")
        elif copies[text] != 1:
            lost.append(f"énoncé {pk} : « {text} » enregistré {copies[text]} fois")
    start = {statement["id"]: statement["version"] for statement in scenario["shared"]}
    versions = dict(Irritant.objects.filter(pk__in=start).values_list("pk", "version"))
    for pk, initial in start.items():
        acknowledged = ledger["shared"].get(str(pk), 0)
        taken = versions.get(pk, initial) - initial
        if taken != acknowledged:
            lost.append(
                f"énoncé partagé {pk} : {acknowledged} enregistrement(s) confirmé(s), "
                f"{taken} version(s) en base"
            )
    return lost


class Command(BaseCommand):
    help = "Compte les modifications perdues pendant un essai de charge (0 attendu)."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="Le fichier écrit par prepare_load_test.")
        parser.add_argument("ledger", help="Le registre écrit par le scénario locust.")

    def handle(self, *args, scenario, ledger, **options):
        try:
            scenario = json.loads(Path(scenario).read_text(encoding="utf-8"))
            ledger = json.loads(Path(ledger).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Fichier illisible : {error}") from error
        lost = lost_edits(scenario, ledger)
        shared = sum(ledger["shared"].values())
        self.stdout.write(
            f"Enregistrements confirmés : {len(ledger['added'])} ajouts, "
            f"{ledger['edits']} modifications, {shared} sur les énoncés partagés "
            f"({ledger['conflicts']} conflits signalés). Modifications perdues : {len(lost)}."
        )
        if lost:
            raise CommandError("Modifications perdues :\n" + "\n".join(lost))
