"""The filters of the history page, read from its URL (a filtered history is a link to share).

Type of change, thematic, author, a range of dates and a text. A value typed by the user
that is not valid (a date) is said next to its field; a value no form offers (a forged
type, a former author) is ignored: the page then shows the changes the other filters keep.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from workshops.forms import positive_int, refuse_control_characters
from workshops.text import NBSP

# The type-of-change filter: its value in the URL → (label, history_type).
CHANGE_TYPES = {
    "ajouts": ("Ajouts et restaurations", "+"),
    "modifications": ("Modifications et déplacements", "~"),
    "suppressions": ("Suppressions", "-"),
}
NO_THEMATIC = "aucune"
NO_AUTHOR = "inconnu"  # changes made from the command line (an import, a shell)
TEXT_MAX_LENGTH = 200
# The dates a history may hold: the syntheses' years (workshops.models.Synthesis.year).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
# The names of the filters in the URL, in the order of the form.
NAMES = ("type", "thematique", "auteur", "du", "au", "texte")


@dataclass(frozen=True)
class Filters:
    """What the history page keeps, as the historical tables name it."""

    change_type: str = ""  # history_type: "+", "~", "-"
    thematic_id: int | None = None  # 0: the changes outside any thematic
    author_id: int | None = None  # 0: the changes without an author
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    text: str = ""


def author_name(user):
    return user.get_full_name() or user.get_username()


def _check_day(value):
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(
            f"Saisissez une date entre {FIRST_DAY.year} et {LAST_DAY.year}.", code="out_of_range"
        )


def _start_of(day):
    """Midnight at the beginning of `day`, in the platform's time zone (Europe/Paris)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class HistoryFilterForm(forms.Form):
    type = forms.ChoiceField(label="Type de changement", required=False)
    # Any thematic number: one the reference data does not hold matches no change.
    thematique = forms.CharField(label="Thématique", required=False, max_length=20)
    auteur = forms.ChoiceField(label="Auteur", required=False)
    du = forms.DateField(
        label="Du",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[_check_day],
        error_messages={"invalid": "Saisissez une date valide, par exemple 12/10/2020."},
    )
    au = forms.DateField(
        label="Au (inclus)",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[_check_day],
        error_messages={"invalid": "Saisissez une date valide, par exemple 12/10/2020."},
    )
    texte = forms.CharField(
        label="Texte contenant",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        validators=[refuse_control_characters],
        help_text="Dans le texte ou l’intitulé de ce qui a changé.",
        error_messages={
            "max_length": f"Saisissez au plus {TEXT_MAX_LENGTH}{NBSP}caractères.",
            "null_characters_not_allowed": "Le texte contient un caractère invisible (NUL).",
        },
    )

    # A value only the form's own lists offer: a wrong one was not typed, it is ignored.
    SILENT = ("type", "thematique", "auteur")

    def __init__(self, data, *, thematics, authors):
        super().__init__(data)
        self.thematics = {str(thematic.number): thematic.pk for thematic in thematics}
        self.authors = {user.get_username(): user.pk for user in authors}
        self.fields["type"].choices = [
            ("", "Tous"),
            *((value, label) for value, (label, _type) in CHANGE_TYPES.items()),
        ]
        self.thematic_choices = [
            ("", "Toutes"),
            *(
                (str(thematic.number), f"N°{thematic.number}{NBSP}: {thematic.short_title}")
                for thematic in thematics
            ),
            (
                NO_THEMATIC,
                "Hors thématique (introduction, fiches RETEX communes, propositions phares, "
                "synthèse)",
            ),
        ]
        self.fields["auteur"].choices = [
            ("", "Tous"),
            *((user.get_username(), author_name(user)) for user in authors),
            (NO_AUTHOR, "Inconnu (import ou ligne de commande)"),
        ]
        self.is_valid()

    def clean_thematique(self):
        value = self.cleaned_data["thematique"]
        if value in ("", NO_THEMATIC) or positive_int(value) is not None:
            return value
        raise ValidationError("Thématique inconnue.", code="invalid_choice")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("du"), cleaned.get("au")
        if since and until and since > until:
            self.add_error("au", f"La date de fin précède la date de début{NBSP}: inversez-les.")
        return cleaned

    def value_of(self, name):
        """The value of a filter the page applies ("" if none, or not valid)."""
        if name in self.errors:
            return ""
        value = self.cleaned_data.get(name)
        if isinstance(value, date):
            return value.isoformat()
        return value or ""

    @property
    def shown_errors(self):
        """The errors said next to their fields (those of the fields the user types)."""
        return {name: errors for name, errors in self.errors.items() if name not in self.SILENT}

    def typed(self, name):
        """What the user typed in a field, as it was typed (to keep it in the form)."""
        return (self.data.get(name) or "")[: TEXT_MAX_LENGTH + 1]

    def query(self):
        """The filters applied, as URL parameters (the pagination and restores keep them)."""
        return {name: self.value_of(name) for name in NAMES if self.value_of(name)}

    def filters(self):
        change_type = self.value_of("type")
        thematic = self.value_of("thematique")
        author = self.value_of("auteur")
        since, until = self.value_of("du"), self.value_of("au")
        thematic_id = 0 if thematic == NO_THEMATIC else self.thematics.get(thematic, -1)
        if not thematic:
            thematic_id = None
        author_id = 0 if author == NO_AUTHOR else self.authors.get(author)
        return Filters(
            change_type=CHANGE_TYPES[change_type][1] if change_type else "",
            thematic_id=thematic_id,
            author_id=author_id,
            since=_start_of(date.fromisoformat(since)) if since else None,
            until=_start_of(date.fromisoformat(until) + timedelta(days=1)) if until else None,
            text=self.value_of("texte").strip(),
        )
