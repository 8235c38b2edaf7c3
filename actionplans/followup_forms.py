"""The follow-up forms: an action's status and progress, several at once, an indicator's
values and measurements, the weights of the roll-ups, a CSV to import."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from workshops.forms import DATABASE_INT_MAX, TextFieldsMixin
from workshops.models import Membership

from .followup import MAX_WEIGHT, VALUE_DIGITS, Status

PROGRESS_ERRORS = {
    # (%% : these messages are formatted with the limit's parameters.)
    "min_value": "L’avancement est compris entre 0 et 100\u00a0%%.",
    "max_value": "L’avancement est compris entre 0 et 100\u00a0%%.",
    "invalid": "L’avancement est un nombre entier de 0 à 100.",
}
WEIGHT_ERRORS = {
    "min_value": f"Un poids est compris entre 0 et {MAX_WEIGHT}.",
    "max_value": f"Un poids est compris entre 0 et {MAX_WEIGHT}.",
    "invalid": "Un poids est un nombre entier.",
    "required": "Indiquez un poids (0 pour exclure).",
}
DATE_ERRORS = {"invalid": "Date invalide (jj/mm/aaaa)."}
VALUE_ERRORS = {
    "invalid": "Une valeur est un nombre, par exemple 12 ou 3,5.",
    "max_digits": "Nombre trop grand.",
    "max_decimal_places": "Quatre décimales au plus.",
    "max_whole_digits": "Nombre trop grand.",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        required=kwargs.pop("required", False),
        widget=DateInput,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={**DATE_ERRORS, **kwargs.pop("error_messages", {})},
        **kwargs,
    )


def value_field(label, **kwargs):
    return forms.DecimalField(
        label=label,
        required=kwargs.pop("required", False),
        localize=True,
        error_messages=VALUE_ERRORS,
        **VALUE_DIGITS,
        **kwargs,
    )


def progress_field(**kwargs):
    return forms.IntegerField(
        label="Avancement (%)",
        required=False,
        min_value=0,
        max_value=100,
        error_messages=PROGRESS_ERRORS,
        help_text="Vide\u00a0: celui que propose le statut (À lancer 0\u00a0%, "
        "Terminée 100\u00a0%, "
        "sinon l’avancement actuel\u00a0; Abandonnée\u00a0: hors des calculs).",
        **kwargs,
    )


def weight_field(label, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_WEIGHT,
        error_messages=WEIGHT_ERRORS,
        widget=forms.NumberInput(attrs={"class": "fr-input fu-weight"}),
        **kwargs,
    )


def pilot_accounts(region):
    """The accounts that may pilot an action of this region: its facilitators and the
    referents of its departments."""
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__role=Membership.Role.FACILITATOR, memberships__region=region)
            | Q(
                memberships__role=Membership.Role.REFERENT,
                memberships__department__region=region,
            ),
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class PilotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ProgressForm(TextFieldsMixin, forms.Form):
    """Where one action stands, with the version of its follow-up the form was drawn with."""

    version = forms.IntegerField(
        min_value=0, max_value=DATABASE_INT_MAX, widget=forms.HiddenInput, required=True
    )
    status = forms.ChoiceField(label="Statut", choices=Status.choices)
    progress = progress_field()
    pilot_name = forms.CharField(
        label="Pilote (texte libre)",
        max_length=200,
        required=False,
        help_text="Une personne, un service, un partenaire… ou choisissez un compte ci-dessous.",
    )
    pilot_user = PilotChoiceField(
        label="Pilote (compte de la plateforme)",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Aucun compte",
    )
    start_date = date_field("Date de début")
    due_date = date_field(
        "Échéance",
        help_text="Vide\u00a0: proposée d’après l’horizon de la ligne "
        "(court terme\u00a0: 1 an après le "
        "début, moyen terme\u00a0: 3 ans, long terme\u00a0: 5 ans).",
    )
    weight = weight_field("Poids dans sa ligne", initial=1)
    comment = forms.CharField(
        label="Où en est-on\u00a0?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce commentaire s’ajoute au journal de l’action, daté et signé.",
    )

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        if region is not None:
            self.fields["pilot_user"].queryset = pilot_accounts(region)

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", "L’échéance précède la date de début.")
        if data.get("pilot_name") and data.get("pilot_user"):
            self.add_error(
                "pilot_user", "Choisissez un pilote : un compte ou un texte libre, pas les deux."
            )
        return data


class BulkProgressForm(TextFieldsMixin, forms.Form):
    """One status (and progress) for several actions, one journal entry each."""

    actions = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=(),
        error_messages={
            "required": "Cochez au moins une action.",
            "invalid_choice": "Une des actions cochées n’existe plus\u00a0: rechargez la page.",
        },
    )
    status = forms.ChoiceField(
        label="Nouveau statut",
        choices=[("", "Choisir un statut"), *Status.choices],
        error_messages={"required": "Choisissez le nouveau statut."},
    )
    progress = progress_field()
    comment = forms.CharField(
        label="Commentaire (pour chaque action)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, action_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actions"].choices = [(pk, pk) for pk in action_ids]


class IndicatorForm(TextFieldsMixin, forms.Form):
    version = forms.IntegerField(
        min_value=0, max_value=DATABASE_INT_MAX, widget=forms.HiddenInput, required=True
    )
    qualitative = forms.BooleanField(
        label="Indicateur qualitatif (suivi par des notes datées, sans valeurs)", required=False
    )
    unit = forms.CharField(label="Unité", max_length=50, required=False)
    initial_value = value_field("Valeur initiale")
    initial_date = date_field("Date de la valeur initiale")
    target_value = value_field("Cible")
    target_date = date_field("Date de la cible")

    def clean(self):
        data = super().clean()
        if data.get("qualitative"):
            return data
        initial, target = data.get("initial_value"), data.get("target_value")
        if initial is not None and target is not None and initial == target:
            self.add_error(
                "target_value",
                "La cible est égale à la valeur initiale\u00a0: l’avancement ne peut pas se "
                "calculer.",
            )
        for value, date, name in (
            (initial, data.get("initial_date"), "initial_date"),
            (target, data.get("target_date"), "target_date"),
        ):
            if (value is None) != (date is None) and name not in self.errors:
                self.add_error(name, "Une valeur et sa date vont ensemble.")
        return data


class MeasurementForm(TextFieldsMixin, forms.Form):
    date = date_field(
        "Date de la mesure",
        required=True,
        error_messages={"required": "Une mesure a une date."},
    )
    value = value_field("Valeur mesurée")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WeightsForm(forms.Form):
    """The weights of the roll-ups and the « à relancer » delay; thematic and row fields are
    added per synthesis (`thematic_<number>`, `row_<id>`)."""

    version = forms.IntegerField(
        min_value=0, max_value=DATABASE_INT_MAX, widget=forms.HiddenInput, required=True
    )
    weight = weight_field("Poids de la synthèse dans sa région académique")
    stale_days = forms.IntegerField(
        label="À relancer après (jours sans nouvelles)",
        min_value=1,
        max_value=3650,
        error_messages={
            "min_value": "Au moins 1 jour.",
            "max_value": "Au plus 3 650 jours.",
            "invalid": "Un nombre de jours.",
        },
    )

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        for section in sections:
            self.fields[f"thematic_{section.number}"] = weight_field(
                f"Poids de la thématique n°\u00a0{section.number}", initial=section.weight
            )
            for row in section.rows:
                self.fields[f"row_{row.pk}"] = weight_field(
                    f"Poids de la ligne {row.position} (thématique n°\u00a0{section.number})",
                    initial=row.weight,
                )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier CSV du suivi",
        help_text="Celui qu’exporte cette page, modifié dans un tableur (LibreOffice, Excel) et "
        "enregistré en CSV.",
        error_messages={"required": "Choisissez un fichier.", "empty": "Le fichier est vide."},
    )
    dry_run = forms.BooleanField(
        label="Vérifier seulement (ne rien enregistrer)", required=False, initial=True
    )
