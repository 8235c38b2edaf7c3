"""Forms of the editing pages: what a facilitator types, checked before anything is saved.

First what every form shares (the login forms' user name; the text fields, which refuse
control characters and overlong or invisible texts), then the workshop board's
(`etatsgeneraux.board.views`), then the introduction's. Every message is French and is shown next to
its field. Forms that change an existing object carry the version
it had when the form was drawn (`version`): the save is refused, and both texts shown, if
someone saved the object since.
"""

import re
import unicodedata

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator

from .models import STATEMENT_MAX_LENGTH, TEXT_MAX_LENGTH, RetexSheet
from .text import NBSP

TEXT_ERRORS = {
    "required": "Saisissez un texte.",
    "max_length": f"Le texte ne doit pas dépasser 2{NBSP}000{NBSP}caractères "
    "(il en compte %(show_value)d).",
}
VERSION_ERRORS = {
    "required": "Version manquante\u00a0: rechargez la page avant d’enregistrer.",
    "invalid": "Version invalide\u00a0: rechargez la page avant d’enregistrer.",
    "min_value": "Version invalide\u00a0: rechargez la page avant d’enregistrer.",
    "max_value": "Version invalide\u00a0: rechargez la page avant d’enregistrer.",
}
DATABASE_INT_MAX = 2**31 - 1  # the smallest integer column of the supported databases


# Logging in ----------------------------------------------------------------------------------


class BoundedUsernameMixin:
    """Django's login forms announce the length of a user name but do not check it: an
    overlong one went on to authentication, whose failure django-axes records in a column
    PostgreSQL refuses to overflow (a 500). No account has a longer name: it is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    pass


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    pass


# Text every form refuses -------------------------------------------------------------------

# Control characters: C0 but tab, line feed and carriage return, then DEL and C1. Invisible on
# screen, they have no glyph in the PDF, whose text then becomes unreadable to search and
# screen readers, and XML forbids most of them. NUL has Django's own validator and message.
# Then the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
# they make a text display otherwise than it is stored (« Trojan Source »).
_CONTROL_CHARACTER = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def refuse_control_characters(value):
    """Refuses a text holding a control character, saying where it hides (it is invisible)."""
    match = _CONTROL_CHARACTER.search(value)
    if match is None:
        return
    before = " ".join(value[: match.start()].split()[-3:])
    if len(before) > 30:
        before = "…" + before[-29:]
    where = f"après «{NBSP}{before}{NBSP}»" if before else "au début du texte"
    kind = " qui change le sens d’écriture" if _BIDI_CONTROLS.match(match.group()) else ""
    raise ValidationError(
        f"Le texte contient un caractère de contrôle invisible{kind} "
        f"(U+{ord(match.group()):04X}), {where}{NBSP}: effacez ce passage et saisissez-le à "
        "nouveau.",
        code="control_character",
    )


# What shows nothing: spaces, line and paragraph separators, control and format characters
# (zero-width space, word joiner, direction marks...).
_INVISIBLE_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}


def is_blank(value):
    """Whether a text shows nothing at all (a required text made of it is missing)."""
    return all(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in value)


def _refuse_blank(field):
    def validate(value):
        if is_blank(value):
            raise ValidationError(field.error_messages["required"], code="required")

    return validate


def length_message(limit):
    """« Le texte ne doit pas dépasser 10 000 caractères (il en compte 12 345). »"""
    shown = f"{limit:,}".replace(",", NBSP)
    return f"Le texte ne doit pas dépasser {shown}{NBSP}caractères (il en compte %(show_value)d)."


class TextFieldsMixin:
    """Every text field of the form refuses control characters and has a length limit; a
    required one refuses a text that shows nothing (zero-width spaces...) as missing.

    A field the model leaves unbounded (a TextField) gets `TEXT_MAX_LENGTH`, so that nothing
    a user types can make a page or a PDF grow without end.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.CharField):
                continue
            field.validators.append(refuse_control_characters)
            if field.required:
                field.validators.append(_refuse_blank(field))
            if field.max_length is None:
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
                if not field.widget.is_hidden:
                    field.widget.attrs["maxlength"] = str(TEXT_MAX_LENGTH)
            field.error_messages["max_length"] = length_message(field.max_length)


class BoardFormMixin:
    """DSFR classes on the widgets; a field with errors points to them (aria-describedby).

    Text fields are marked `data-board-draft`: the page keeps what they hold if a save fails
    (an expired session, a lost connection) and puts it back after logging in again.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for bound_field in self.fields.values():
            widget = bound_field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "fr-select")
            elif isinstance(widget, (forms.TextInput, forms.Textarea, forms.NumberInput)):
                widget.attrs.setdefault("class", "fr-input")
                widget.attrs["data-board-draft"] = ""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{bound.auto_id}-errors"}
                )


def version_field(*, required=True):
    """The version the form was drawn with (optimistic locking); absent on a new object."""
    return forms.IntegerField(
        required=required,
        min_value=1,
        max_value=DATABASE_INT_MAX,
        widget=forms.HiddenInput,
        error_messages=VERSION_ERRORS,
    )


class StatementForm(TextFieldsMixin, forms.Form):
    """A new statement: its text."""

    text = forms.CharField(
        label="Texte", max_length=STATEMENT_MAX_LENGTH, error_messages=TEXT_ERRORS
    )


class LinkedStatementForm(TextFieldsMixin, forms.Form):
    """A statement that may be linked to a statement of the earlier stage, or typed."""

    source = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={
            "invalid_choice": "Cet énoncé n’existe plus ou appartient à une autre "
            "thématique\u00a0: choisissez-en un autre."
        },
    )
    text = forms.CharField(
        label="Texte tel qu’écrit",
        required=False,
        max_length=STATEMENT_MAX_LENGTH,
        error_messages=TEXT_ERRORS,
    )

    def __init__(self, *args, sources, link_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.link_label = link_label
        self.fields["source"].queryset = sources
        self.fields["source"].label = link_label[:1].upper() + link_label[1:]

    def clean_text(self):
        text = self.cleaned_data["text"]
        return "" if is_blank(text) else text  # a text that shows nothing is no text

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("source") and not cleaned.get("text"):
            self.add_error(
                "text", f"Saisissez un texte ou choisissez un {self.link_label} à relier."
            )
        return cleaned


class EditStatementForm(StatementForm):
    version = version_field()


class EditLinkedStatementForm(LinkedStatementForm):
    version = version_field()


class EmphasisForm(forms.Form):
    version = version_field()
    emphasised = forms.BooleanField(required=False)


def positive_int(value):
    """The positive integer a user typed, or None ("²" is a digit to Python, not to us).

    Too many digits are refused before `int`, which raises past 4,300 digits.
    """
    if not value or len(value) > 20 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= DATABASE_INT_MAX else None


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses keys no database column can hold before they reach a query (SQLite overflows)."""

    def clean(self, value):
        for key in value or ():
            if positive_int(str(key)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value"
                )
        return super().clean(value)


class RestoreForm(TextFieldsMixin, forms.Form):
    """An undone deletion: what the statement was, and where."""

    text = forms.CharField(required=False, max_length=STATEMENT_MAX_LENGTH, strip=False)
    emphasised = forms.BooleanField(required=False)
    source = forms.IntegerField(required=False, min_value=1, max_value=DATABASE_INT_MAX)
    position = forms.IntegerField(min_value=1, max_value=DATABASE_INT_MAX)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("source") and is_blank(cleaned.get("text", "")):
            raise ValidationError("Saisissez un texte.")
        return cleaned


class RowRetexForm(TextFieldsMixin, BoardFormMixin, forms.Form):
    """The RETEX a diagnostic row cites: numbered sheets and a free label."""

    version = version_field()
    sheets = BoundedModelMultipleChoiceField(
        label="Fiches RETEX citées",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Cette fiche RETEX n’existe plus\u00a0: rechargez la page.",
            "invalid_pk_value": "Fiche RETEX invalide.",
        },
    )
    retex_label = forms.CharField(
        label="Témoignages sans fiche numérotée",
        help_text="Une ligne par témoignage.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, sheets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheets"].queryset = sheets
        self.fields["sheets"].label_from_instance = _sheet_choice_label


def _sheet_choice_label(sheet):
    label = f"RETEX {sheet.number}"
    if sheet.title:
        label += f" – {sheet.title}"
    return label


SMALLINT_MAX = 32767
RETEX_NUMBER_TOO_LARGE = f"Le numéro ne peut pas dépasser 32{NBSP}767."


class RetexSheetForm(TextFieldsMixin, BoardFormMixin, forms.ModelForm):
    """A RETEX sheet and its links, typed one per line."""

    links = forms.CharField(
        label="Liens",
        help_text="Une adresse par ligne\u00a0; un libellé peut suivre l’adresse, "
        "après une espace.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = RetexSheet
        fields = ["number", "origin", "title", "text"]
        labels = {"number": "Numéro", "title": "Titre ou témoin"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "number": {
                "required": "Indiquez le numéro de la fiche.",
                "invalid": "Le numéro est un nombre entier.",
                "min_value": "Le numéro commence à 1.",
                "max_value": RETEX_NUMBER_TOO_LARGE,
            }
        }

    def __init__(self, *args, section, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        if self.instance.pk is None:
            self.instance.synthesis_id = section.synthesis_id
            self.instance.section = section
        else:
            self.fields["version"] = version_field()
            self.initial.setdefault("version", self.instance.version)
            self.initial.setdefault(
                "links", "\n".join(_link_line(link) for link in self.instance.links.all())
            )

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number > SMALLINT_MAX:  # PostgreSQL's column would refuse it; SQLite's would not
            raise ValidationError(RETEX_NUMBER_TOO_LARGE, code="max_value")
        taken = RetexSheet.objects.filter(
            synthesis_id=self.section.synthesis_id,
            section_id=self.instance.section_id,
            number=number,
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"Il y a déjà une fiche RETEX {number} dans cette thématique.")
        return number

    def clean_links(self):
        links, errors = [], []
        validate = URLValidator(schemes=["http", "https"])
        for index, line in enumerate(self.cleaned_data["links"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            url, _, label = line.partition(" ")
            if "://" not in url:
                url = f"https://{url}"
            try:
                validate(url)
            except ValidationError:
                errors.append(
                    f"Ligne {index}\u00a0: «{NBSP}{url}{NBSP}» n’est pas une adresse web valide."
                )
                continue
            if len(url) > 1000 or len(label) > 300:
                errors.append(f"Ligne {index}\u00a0: adresse ou libellé trop long.")
                continue
            links.append((url, label.strip()))
        if errors:
            raise ValidationError(errors)
        return links


def _link_line(link):
    return f"{link.url} {link.label}".strip()


# Introduction ---------------------------------------------------------------------------------
# The introduction block of a synthesis (its sessions, their facilitators and participant
# counts), edited on one page by `workshops.introduction.IntroductionEditor`. Each form keeps
# hidden the values it was drawn with (`show_hidden_initial`) and the version of its object,
# so that a save writes only what the user changed and refuses a change to an object that
# someone else saved meanwhile.

from .models import Facilitator, Participation, Session  # noqa: E402 (after the board's forms)

COUNT_ERRORS = {
    "invalid": "Saisissez un nombre entier, sans espace ni lettre.",
    "min_value": "Saisissez un nombre positif ou nul.",
    "max_value": "Ce nombre est trop grand.",
}


class TrackedForm(TextFieldsMixin, forms.ModelForm):
    """A form on one object of the introduction, new or existing (`id`, `version`)."""

    id = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=DATABASE_INT_MAX
    )
    version = version_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("id", self.instance.pk)
            self.initial.setdefault("version", self.instance.version)
        for name in self.tracked:
            field = self.fields[name]
            field.show_hidden_initial = True
            if isinstance(field, forms.IntegerField):
                field.error_messages.update(COUNT_ERRORS)
        self.conflict = None  # set when a save was refused: see `introduction.Conflict`

    @property
    def tracked(self):
        """The fields the user edits (those `save_if_unchanged` writes)."""
        return [name for name in self._meta.fields if name in self.fields]

    @property
    def edited(self):
        """Whether the user changed a value since the form was drawn."""
        changed = self.changed_data
        return any(name in changed for name in self.tracked)

    def values(self):
        return {name: self.cleaned_data[name] for name in self.tracked}


class SessionForm(TrackedForm):
    """A session of the introduction: title, dates and places, format, note on facilitators."""

    delete = forms.BooleanField(
        label="Supprimer cette session, ses animateurs et ses participants",
        required=False,
    )

    class Meta:
        model = Session
        fields = ["title", "dates_places", "format", "facilitators_note"]
        widgets = {
            "dates_places": forms.Textarea(attrs={"rows": 3}),
            "format": forms.RadioSelect,
        }
        error_messages = {"title": {"required": "Donnez un intitulé à la session."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "Non précisé"), *Session.Format.choices]
        self.fields["format"].widget.inline = True
        self.fields["format"].error_messages["invalid_choice"] = (
            "Choisissez présentiel, distanciel ou les 2."
        )


class NewSessionForm(SessionForm):
    """A session to add: left empty, it adds nothing."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_permitted", True)
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        del self.fields["delete"]


class FacilitatorForm(TrackedForm):
    class Meta:
        model = Facilitator
        fields = ["name", "role", "note"]
        labels = {"note": "Précision"}
        error_messages = {"name": {"required": "Saisissez le nom de l’animateur ou l’animatrice."}}


class BaseFacilitatorFormSet(forms.BaseFormSet):
    deletion_widget = forms.CheckboxInput

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Retirer de la session"

    def clean(self):
        super().clean()
        # A page posts at least the forms it drew: fewer (a truncated or forged post) would
        # drop the user's changes to the others silently, while the rest is saved.
        if self.total_form_count() < self.initial_form_count():
            raise ValidationError(
                "La liste des animateurs envoyée est incomplète\u00a0: rechargez la page, "
                "puis saisissez à nouveau vos modifications.",
                code="incomplete",
            )


# A session has a handful of facilitators: a post claiming more forms (TOTAL_FORMS) is refused
# before they are built; Django's default (2,000 forms per session) cost seconds per post.
MAX_FACILITATORS = 100

FacilitatorFormSet = forms.formset_factory(
    FacilitatorForm,
    formset=BaseFacilitatorFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_FACILITATORS,
    absolute_max=MAX_FACILITATORS,
)


class ParticipationForm(TrackedForm):
    """The participants of one of the nine categories in a session."""

    class Meta:
        model = Participation
        fields = ["ticked", "participants", "establishments", "note"]

    def __init__(self, *args, category, **kwargs):
        kwargs.setdefault("instance", Participation(category=category))
        super().__init__(*args, **kwargs)
        self.category = category
        self.instance.category = category  # loaded once for all, for the model's checks
        label = category.label
        self.fields["ticked"].label = label
        self.fields["participants"].label = f"Nombre de participants – {label}"
        self.fields["note"].label = f"Précision – {label}"
        if category.counts_establishments:
            self.fields["establishments"].label = f"Nombre d’établissements représentés – {label}"
        else:
            del self.fields["establishments"]
