import os

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from workshops.auth import DEMO_GROUP
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.historical import HistoricalContent
from workshops.models import Department, Membership, Region, Synthesis

ADMIN, FACILITATOR, REFERENT, NATIONAL = "admin", "facilitator", "referent", "national"
DEMO_ACCOUNTS = [
    # username, password, description, role
    ("admin", "etats-generaux-admin", "administrateur (tout, dont l'administration)", ADMIN),
    ("animatrice", "etats-generaux-dane", "animatrice DANE Pays de la Loire", FACILITATOR),
    ("referent", "etats-generaux-85", "référent départemental de la Vendée (lecture)", REFERENT),
    (
        "nationale",
        "etats-generaux-dne",
        "équipe nationale (lit tout)",
        NATIONAL,
    ),
]
# The reason of the first versions recorded for the loaded data (the administration's
# « Historique » of an object shows it; the history page of a synthesis does not list them).
FIRST_VERSION = "Version chargée par la démonstration"


def record_first_versions():
    """Records a first version of every object of the syntheses' content that has none.

    `loaddata` saves raw and records no history: the first edit of loaded data would then have
    no earlier state to show. Like django-simple-history's `populate_history`, the records
    name no synthesis (history_synthesis_id is empty), so the history page does not list them
    as changes, but it compares the first edit with them. Returns how many were recorded.
    """
    now = timezone.now()
    recorded = 0
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is None or not issubclass(history.model, HistoricalContent):
            continue
        missing = model._default_manager.exclude(pk__in=history.model.objects.values("id"))
        created = history.bulk_history_create(
            missing.order_by("pk").iterator(chunk_size=500),
            batch_size=500,
            default_change_reason=FIRST_VERSION,
            default_date=now,
        )
        recorded += len(created or [])
    return recorded


def demo_url():
    """Where `make run` serves the platform (its HOST and PORT)."""
    host = os.environ.get("HOST") or "127.0.0.1"
    port = os.environ.get("PORT") or "8000"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Prépare un poste de démonstration : données de référence, synthèse Pays de la Loire "
        "(seulement dans une base sans synthèse) et comptes de démonstration (DEBUG seulement)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Les comptes de démonstration ne sont créés qu'avec DEBUG=1 : "
                "cette commande est refusée en production."
            )
        with transaction.atomic():
            call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)
            if Synthesis.objects.exists():
                self.stdout.write(
                    "Des synthèses existent déjà : la démonstration n'est pas rechargée."
                )
            else:
                call_command("loaddata", DEMO_FIXTURE, verbosity=0)
                self.stdout.write("Synthèse Pays de la Loire 2020 chargée.")
            recorded = record_first_versions()
            if recorded:
                self.stdout.write(
                    f"Historique : première version enregistrée pour {recorded} objets chargés."
                )
            self._create_accounts()

    def _create_accounts(self):
        demo_group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
        User = get_user_model()
        self.stdout.write(f"\nComptes de démonstration ({demo_url()}/comptes/connexion/) :")
        for username, password, description, role in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            # Staff are administrators (everything, everywhere): only the admin account is.
            user.is_staff = user.is_superuser = role == ADMIN
            user.set_password(password)
            user.save()
            user.groups.add(demo_group)
            if role == FACILITATOR:
                Membership.objects.get_or_create(
                    user=user,
                    role=Membership.Role.FACILITATOR,
                    region=Region.objects.get(code="pays-de-la-loire"),
                )
            elif role == REFERENT:
                Membership.objects.get_or_create(
                    user=user,
                    role=Membership.Role.REFERENT,
                    department=Department.objects.get(code="85"),
                )
            elif role == NATIONAL:
                Membership.objects.get_or_create(user=user, role=Membership.Role.NATIONAL)
            self.stdout.write(f"  {username} / {password}  — {description}")
