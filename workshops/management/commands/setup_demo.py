from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workshops.auth import DEMO_GROUP
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Membership, Region, Synthesis

FACILITATORS_GROUP = "Animateurs DANE"
# What facilitators may change in the admin: content, not reference data nor accounts.
FACILITATOR_APPS = {"workshops", "actionplans"}
REFERENCE_MODELS = {"thematic", "region", "department", "participantcategory"}

DEMO_ACCOUNTS = [
    # username, password, description, superuser
    ("admin", "etats-generaux-admin", "administrateur (tout, dont l'administration)", True),
    ("animatrice", "etats-generaux-dane", "animatrice DANE Pays de la Loire", False),
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
        group, _ = Group.objects.get_or_create(name=FACILITATORS_GROUP)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=FACILITATOR_APPS).exclude(
                content_type__model__in=REFERENCE_MODELS
            )
        )
        demo_group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
        User = get_user_model()
        self.stdout.write("\nComptes de démonstration (http://127.0.0.1:8000/admin/) :")
        for username, password, description, superuser in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(password)
            user.save()
            user.groups.add(demo_group)
            if not superuser:
                user.groups.add(group)
                Membership.objects.get_or_create(
                    user=user,
                    role=Membership.Role.FACILITATOR,
                    region=Region.objects.get(code="pays-de-la-loire"),
                )
            self.stdout.write(f"  {username} / {password}  — {description}")
