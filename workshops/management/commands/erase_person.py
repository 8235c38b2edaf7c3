"""Erases a person from the platform (right to erasure): see README, « Données personnelles »."""

import json
import re
import unicodedata
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError, models, transaction

REPLACEMENT = "[nom effacé]"
MIN_NAME_LENGTH = 4
# The characters shown on each side of a match in the list of places.
EXCERPT_CONTEXT = 30
CONTENT_APPS = ("workshops", "actionplans")
# The shared reference data names places and categories, never a person.
REFERENCE_MODELS = {
    "workshops.thematic",
    "workshops.region",
    "workshops.department",
    "workshops.participantcategory",
}
# Text columns that are identifiers, not something a person typed.
IDENTIFIER_FIELDS = {"admin.logentry": {"object_id"}}


def nfc(text):
    return unicodedata.normalize("NFC", text)


def name_pattern(name):
    """The words of the name in this order, as whole words, whatever the case and the spaces
    between them: « Petit » finds « M. PETIT, » but not « petites »."""
    words = nfc(name).split()
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)


def prefilter_fragment(name):
    """The longest run of ASCII letters and digits in the name, lowered, or None.

    The database only narrows the search: `icontains` ignores the case of ASCII letters only
    on SQLite (« É » is not « é » there), and an accented letter is stored `\\u00e9` in the
    JSON of the administration's log; an ASCII run is found as it is in both. The regex
    decides in Python.
    """
    runs = re.findall(r"[A-Za-z0-9]+", nfc(name))
    longest = max(runs, key=len, default="")
    return longest.lower() if len(longest) >= 2 else None


def is_free_text(model, field):
    """Whether a name may have been typed in this column: a plain CharField or TextField (not
    a slug, URL, e-mail...), without choices, not an identifier, not history bookkeeping; or
    a JSONField, whose strings may hold typed text (a published version holds a whole
    synthesis)."""
    if isinstance(field, models.JSONField):
        return not field.name.startswith("history_")
    if type(field) not in (models.CharField, models.TextField) or field.choices:
        return False
    if field.name.startswith("history_"):
        return False
    if field.name in IDENTIFIER_FIELDS.get(model._meta.label_lower, ()):
        return False
    # A historical model drops `unique`: ask the model it records.
    source = getattr(model, "instance_type", model)
    try:
        original = source._meta.get_field(field.name)
    except FieldDoesNotExist:  # pragma: no cover - historical fields all come from the model
        original = field
    return not (field.unique or original.unique)


def text_fields(model):
    """The free-text fields of a model, where a name may have been typed."""
    return [field for field in model._meta.concrete_fields if is_free_text(model, field)]


def searched_models():
    """The syntheses' content and its history (the historical models live in the same
    apps), and the administration's log, whose entries name the objects changed."""
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower not in REFERENCE_MODELS:
                yield model
    yield LogEntry


def json_message(model, field, value):
    """The decoded JSON of a JSONField or of a message of the administration's log (accented
    letters are `\\u00e9` there), or None for any other text, and for a plain text message."""
    if isinstance(field, models.JSONField):
        return value
    if model is not LogEntry or field.name != "change_message":
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, list | dict) else None


def map_strings(value, function):
    """`value` (decoded JSON) with `function` applied to every string but the keys."""
    if isinstance(value, str):
        return function(value)
    if isinstance(value, list):
        return [map_strings(item, function) for item in value]
    if isinstance(value, dict):
        return {key: map_strings(item, function) for key, item in value.items()}
    return value


def strings(value):
    """Every string of `value` (decoded JSON), keys left out."""
    found = []
    map_strings(value, lambda text: found.append(text) or text)
    return found


def excerpt(text, match):
    """The match, in brackets, with a few characters around it, on one line."""
    start = max(match.start() - EXCERPT_CONTEXT, 0)
    end = min(match.end() + EXCERPT_CONTEXT, len(text))
    shown = f"{text[start : match.start()]}[{match.group()}]{text[match.end() : end]}"
    return f"{'…' if start else ''}{' '.join(shown.split())}{'…' if end < len(text) else ''}"


@dataclass
class Change:
    """A field of an object where the name appears, and its new value."""

    model: type
    pk: object
    field: models.Field
    value: str
    excerpts: list
    count: int  # how many times the name appears

    @property
    def place(self):
        return f"{self.model._meta.verbose_name} n° {self.pk}, {self.field.verbose_name}"


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
            help="Le nom tel qu'il a été saisi, par exemple « Claire Martin » (casse ignorée, "
            "mots entiers seulement).",
        )
        parser.add_argument("--username", help="L'identifiant de son compte, à supprimer.")
        parser.add_argument(
            "--replacement",
            default=REPLACEMENT,
            help=f"Ce qui remplace le nom (par défaut « {REPLACEMENT} » ; jamais vide).",
        )
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Effectue l'effacement ; sans cette option, la commande dit seulement ce "
            "qu'elle ferait.",
        )

    def handle(self, *args, name, username, replacement, apply, **options):
        name = " ".join(nfc(name).split())
        replacement = nfc(replacement)
        if not name and not username:
            raise CommandError(
                "Indiquez le nom à effacer (par exemple « Claire Martin ») et/ou --username."
            )
        if name and len(name) < MIN_NAME_LENGTH:
            raise CommandError(
                f"Nom trop court (« {name} ») : au moins {MIN_NAME_LENGTH} caractères, pour ne "
                "pas effacer des morceaux d'autres mots. Donnez le nom complet."
            )
        if name and not replacement.strip():
            raise CommandError(
                "Le texte de remplacement ne peut pas être vide : le nom remplit parfois à lui "
                "seul un champ obligatoire (le nom d'un animateur, un énoncé). Gardez "
                f"« {REPLACEMENT} » ou donnez par exemple la fonction de la personne."
            )
        if name and name_pattern(name).search(replacement):
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
        pattern = name_pattern(name)
        changes = list(self.find(pattern, prefilter_fragment(name), replacement))
        for change in changes:
            self.stdout.write(f"  {change.place}")
            for shown in change.excerpts:
                self.stdout.write(f"      {shown}")
        self.refuse_overflows(changes, replacement, apply=apply)
        if apply:
            self.write(changes)
        total = len(changes)
        if total:
            plural = "s" if total > 1 else ""
            done = f"remplacé{plural}" if apply else "à remplacer"
            self.stdout.write(f"« {name} » : {total} champ{plural} {done} par « {replacement} ».")
        else:
            self.stdout.write(f"« {name} » n'apparaît dans aucune synthèse ni aucun historique.")
        return total

    def find(self, pattern, fragment, replacement):
        """Every field where the name appears, with its new value; reads only."""

        def substitute(text):
            return pattern.sub(lambda _match: replacement, text)

        for model in searched_models():
            fields = text_fields(model)
            if not fields:
                continue
            rows = model._default_manager.order_by("pk").only("pk", *(f.name for f in fields))
            if fragment is not None:
                # A loose first filter in the database, then the exact match in Python.
                condition = models.Q()
                for field in fields:
                    condition |= models.Q(**{f"{field.name}__icontains": fragment})
                rows = rows.filter(condition)
            for obj in rows.iterator():
                for field in fields:
                    value = getattr(obj, field.name)
                    if not value:
                        continue
                    decoded = json_message(model, field, value)
                    texts = [nfc(text) for text in strings(decoded)] if decoded else [nfc(value)]
                    found = [(text, match) for text in texts for match in pattern.finditer(text)]
                    if not found:
                        continue
                    if isinstance(field, models.JSONField):
                        new = map_strings(decoded, lambda text: substitute(nfc(text)))
                    elif decoded:
                        # Re-encoded as Django writes it (json.dumps, ASCII escapes).
                        new = json.dumps(map_strings(decoded, lambda text: substitute(nfc(text))))
                    else:
                        new = substitute(texts[0])
                    yield Change(
                        model,
                        obj.pk,
                        field,
                        new,
                        [excerpt(text, match) for text, match in found],
                        len(found),
                    )

    def refuse_overflows(self, changes, replacement, *, apply):
        """A value made longer than its column allows: nothing is written at all."""
        too_long = [
            change
            for change in changes
            if change.field.max_length is not None and len(change.value) > change.field.max_length
        ]
        if not too_long:
            return
        places = "\n".join(
            f"- {change.place} : {len(change.value)} caractères pour "
            f"{change.field.max_length} au plus"
            for change in too_long
        )
        # The longest replacement that fits everywhere: the rest of each text stays.
        room = min(
            (change.field.max_length - (len(change.value) - change.count * len(replacement)))
            // change.count
            for change in too_long
        )
        shorter = (
            f"donnez avec --replacement un texte d'au plus {room} "
            f"caractère{'s' if room > 1 else ''} (« {replacement} » en compte "
            f"{len(replacement)}), ou raccourcissez ces textes"
            if room > 0
            else "raccourcissez d'abord ces textes"
        )
        written = "rien n'a été écrit" if apply else "--apply serait refusé"
        raise CommandError(
            f"Avec « {replacement} », ces champs dépasseraient leur longueur maximale ; "
            f"{written} :\n{places}\nPour effacer ce nom, {shorter}."
        )

    def write(self, changes):
        """Plain UPDATEs, one per object: no new version, no new historical record holding
        the erased text. A refusal of the database (a constraint) undoes everything: the
        caller's transaction."""
        objects = {}
        for change in changes:
            objects.setdefault((change.model, change.pk), []).append(change)
        for (model, pk), fields in objects.items():
            place = f"{model._meta.verbose_name} n° {pk}"
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(
                        **{change.field.name: change.value for change in fields}
                    )
            except IntegrityError as error:
                raise CommandError(
                    f"Remplacer le nom dans {place} enfreindrait une contrainte de la base (une "
                    "valeur qui doit rester unique, par exemple) ; rien n'a été écrit. "
                    "Choisissez un autre --replacement, ou corrigez ce texte à la main. "
                    f"(Détail : {error})"
                ) from error
            except DatabaseError as error:
                raise CommandError(
                    f"La base a refusé la modification de {place} ; rien n'a été écrit. "
                    f"(Détail : {error})"
                ) from error

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
        """Accounts whose full name is this one: the command deletes none without --username.

        Compared in Python: the database's case-insensitive comparison ignores only the case of
        ASCII letters on SQLite. The accounts are few.
        """
        wanted = name.casefold()
        users = get_user_model().objects.order_by("username")
        for user in users.only("username", "first_name", "last_name").iterator():
            full_name = " ".join(nfc(f"{user.first_name} {user.last_name}").split())
            if wanted in (full_name.casefold(), nfc(user.username).casefold()):
                self.stdout.write(
                    f"Le compte « {user.username} » porte ce nom : ajoutez --username "
                    f"{user.username} pour le supprimer aussi."
                )
