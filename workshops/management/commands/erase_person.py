"""Erases a person from the platform (right to erasure): see README, « Données personnelles »."""

import re

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat

REPLACEMENT = "[nom effacé]"
MIN_NAME_LENGTH = 4
CONTENT_APPS = ("workshops", "actionplans")
# The shared reference data names places and categories, never a person.
REFERENCE_MODELS = {
    "workshops.thematic",
    "workshops.region",
    "workshops.department",
    "workshops.participantcategory",
}


def text_fields(model):
    """The free-text fields of a model, where a name may have been typed."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    ]


def searched_models():
    """The syntheses' content and its history (the historical models live in the same
    apps), and the administration's log, whose entries name the objects changed."""
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower not in REFERENCE_MODELS:
                yield model
    yield LogEntry


class Command(BaseCommand):
    help = (
        "Efface une personne : remplace son nom partout où il a été saisi (synthèses, "
        "historique, journal de l'administration) et supprime son compte. Simulation sans "
        "--apply."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "name",
            nargs="?",
            default="",
            help="Le nom tel qu'il a été saisi, par exemple « Claire Martin » (casse ignorée).",
        )
        parser.add_argument("--username", help="L'identifiant de son compte, à supprimer.")
        parser.add_argument(
            "--replacement",
            default=REPLACEMENT,
            help=f"Ce qui remplace le nom (par défaut « {REPLACEMENT} »).",
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Effectue l'effacement ; sans cette option, la commande dit seulement ce "
            "qu'elle ferait.",
        )

    def handle(self, *args, name, username, replacement, apply, **options):
        name = " ".join(name.split())
        if not name and not username:
            raise CommandError(
                "Indiquez le nom à effacer (par exemple « Claire Martin ») et/ou --username."
            )
        if name and len(name) < MIN_NAME_LENGTH:
            raise CommandError(
                f"Nom trop court (« {name} ») : au moins {MIN_NAME_LENGTH} caractères, pour ne "
                "pas effacer des morceaux d'autres mots. Donnez le nom complet."
            )
        if name and name.casefold() in replacement.casefold():
            raise CommandError("Le texte de remplacement ne doit pas contenir le nom à effacer.")
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"Aucun compte « {username} ».")

        if not apply:
            self.stdout.write("Simulation : rien n'est modifié (ajoutez --apply pour effacer).")
        with transaction.atomic():
            replaced = self.replace_name(name, replacement, apply=apply) if name else 0
            if user is not None:
                self.delete_account(user, apply=apply)
            elif name:
                self.mention_accounts(name)
        if apply:
            # Cached PDFs may show the name: they are rendered again on demand.
            cache.clear()
            self.stdout.write(
                f"Effacement terminé : {replaced} champ{'s' if replaced > 1 else ''} "
                f"modifié{'s' if replaced > 1 else ''} ; les PDF en cache ont été supprimés."
            )

    def replace_name(self, name, replacement, *, apply):
        words = name.split()
        # The words of the name in this order, whatever the case and the spaces between them.
        pattern = re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE)
        total = 0
        for model in searched_models():
            fields = text_fields(model)
            if not fields:
                continue
            # A first filter in the database, then the exact match in Python.
            condition = Q()
            for field in fields:
                condition |= Q(**{f"{field}__icontains": words[0]})
            for obj in model._default_manager.filter(condition).only("pk", *fields):
                changes = {}
                for field in fields:
                    value = getattr(obj, field)
                    if value and pattern.search(value):
                        changes[field] = pattern.sub(replacement, value)
                if not changes:
                    continue
                total += len(changes)
                for field in changes:
                    self.stdout.write(
                        f"  {model._meta.verbose_name} n° {obj.pk}, "
                        f"{model._meta.get_field(field).verbose_name}"
                    )
                if apply:
                    # A plain UPDATE: no new version, no new historical record holding the
                    # text being erased.
                    model._default_manager.filter(pk=obj.pk).update(**changes)
        if total:
            plural = "s" if total > 1 else ""
            done = f"remplacé{plural}" if apply else "à remplacer"
            self.stdout.write(f"« {name} » : {total} champ{plural} {done} par « {replacement} ».")
        else:
            self.stdout.write(f"« {name} » n'apparaît dans aucune synthèse ni aucun historique.")
        return total

    def delete_account(self, user, *, apply):
        sessions = [
            session.pk
            for session in Session.objects.all()
            if session.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        attempts = (
            AccessAttempt.objects.filter(username=user.username).count()
            + AccessLog.objects.filter(username=user.username).count()
            + AccessFailureLog.objects.filter(username=user.username).count()
        )
        self.stdout.write(
            f"Compte « {user.username} » : {'supprimé' if apply else 'à supprimer'}, avec ses "
            f"rôles ({user.memberships.count()}), ses sessions ouvertes ({len(sessions)}), "
            f"ses tentatives de connexion enregistrées ({attempts}) et ses entrées du journal "
            "de l'administration ; l'historique des synthèses et les archivages qu'il a faits "
            "restent, sans auteur."
        )
        if apply:
            Session.objects.filter(pk__in=sessions).delete()
            AccessAttempt.objects.filter(username=user.username).delete()
            AccessLog.objects.filter(username=user.username).delete()
            AccessFailureLog.objects.filter(username=user.username).delete()
            user.delete()

    def mention_accounts(self, name):
        """Accounts whose full name is this one: the command deletes none without --username."""
        full_name = Concat("first_name", Value(" "), "last_name")
        users = (
            get_user_model()
            .objects.annotate(full_name=full_name)
            .filter(Q(full_name__iexact=name) | Q(username__iexact=name))
        )
        for user in users:
            self.stdout.write(
                f"Le compte « {user.username} » porte ce nom : ajoutez --username "
                f"{user.username} pour le supprimer aussi."
            )
