from django import forms

from actionplans.models import NationalProposal


class ProposalForm(forms.ModelForm):
    class Meta:
        model = NationalProposal
        fields = ["number", "thematic", "title", "text", "status"]

    def __init__(self, *args, **kwargs):
        """The DSFR's fields, full width: a long thematic title never widens a phone's page."""
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "fr-select" if select else "fr-input"
