from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workshops.auth import DEMO_GROUP
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Department, Membership, Region, Synthesis

ADMIN, FACILITATOR, REFERENT = "admin", "facilitator", "referent"
DEMO_ACCOUNTS = [
    # username, password, description, role
    ("admin", "etats-generaux-admin", "administrateur (tout, dont l'administration)", ADMIN),
    ("animatrice", "etats-generaux-dane", "animatrice DANE Pays de la Loire", FACILITATOR),
    ("referent", "etats-generaux-85", "référent départemental de la Vendée (lecture)", REFERENT),
]


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
            self._create_accounts()

    def _create_accounts(self):
        demo_group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
        User = get_user_model()
        self.stdout.write("\nComptes de démonstration (http://127.0.0.1:8000/comptes/connexion/) :")
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
            self.stdout.write(f"  {username} / {password}  — {description}")
