"""The flagship-proposal sheet as a form: the fields of the national sheet, in its order."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms

from workshops.forms import TextFieldsMixin, version_field

from .models import Effort, FlagshipProposal, Horizon


class HorizonForm(forms.Form):
    version = version_field()
    horizon = forms.ChoiceField(
        label="Horizon",
        required=False,
        choices=[("", "Non précisé"), *Horizon.choices],
        error_messages={"invalid_choice": "Choisissez court, moyen ou long terme."},
    )


SHORT = forms.Textarea(attrs={"rows": 3})

# The sheet's groups, as the national template and the PDF sheet print them.
GROUPS = [
    ("Description", ["title", "summary"]),
    ("Impacts", ["establishments", "pupils", "parents", "teachers", "territory", "referent"]),
    ("Modalités de mise en œuvre", ["means_financial", "means_human", "means_legal"]),
    ("Mise en place", ["difficulties", "sustainability_needs", "effort", "time_needed"]),
]


class ProposalForm(TextFieldsMixin, forms.ModelForm):
    """A new proposal, or an existing one with the version it had when the form was drawn."""

    version = version_field(required=False)
    # The proposal the form was drawn for: it follows the proposal if it moves meanwhile.
    # (Read by the view, never refused here: an unknown id is a proposal deleted meanwhile.)
    proposal = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = FlagshipProposal
        fields = [name for _, names in GROUPS for name in names]
        labels = {
            "establishments": "Nombre d’établissements concernés",
            "pupils": "Nombre d’élèves concernés",
            "teachers": "Nombre d’enseignants concernés",
        }
        help_texts = {
            "title": "Par exemple «\u00a0Plan de continuité pédagogique numérique (PCPN)\u00a0».",
            "establishments": "Texte libre, chiffres compris\u00a0: «\u00a0tous, 35 collèges, "
            "305 écoles\u00a0».",
            "territory": "Par exemple «\u00a0Vendée\u00a0» ou «\u00a0toute l’académie\u00a0».",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "means_financial": SHORT,
            "means_human": SHORT,
            "means_legal": SHORT,
            "difficulties": SHORT,
            "sustainability_needs": SHORT,
            "effort": forms.RadioSelect,
            "time_needed": forms.RadioSelect,
        }
        error_messages = {
            "title": {"required": "Donnez un titre à la proposition phare."},
            "effort": {"invalid_choice": "Choisissez un effort faible, moyen ou fort."},
            "time_needed": {"invalid_choice": "Choisissez court, moyen ou long terme."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effort"].choices = [("", "Non renseigné"), *Effort.choices]
        self.fields["time_needed"].choices = [("", "Non renseignée"), *Horizon.choices]
        for name in ("effort", "time_needed"):
            self.fields[name].widget.inline = True
        if self.instance.pk is not None:
            self.fields["version"].required = True
            self.initial.setdefault("version", self.instance.version)
            self.initial.setdefault("proposal", self.instance.pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(Fieldset(legend, *names) for legend, names in GROUPS),
            "version",
            "proposal",
        )

    def values(self):
        return {name: self.cleaned_data[name] for name in self._meta.fields}


def stored_differences(form, current):
    """(label, stored value) of the fields where the stored proposal differs from the form."""
    differences = []
    for name in form._meta.fields:
        stored = getattr(current, name)
        if stored != form.cleaned_data.get(name):
            field = form.fields[name]
            choices = dict(getattr(field, "choices", []) or [])
            shown = choices.get(stored, stored) if choices else stored
            differences.append((field.label, shown or "(vide)"))
    return differences
