from django import forms

from actionplans.models import NationalProposal


class ProposalForm(forms.ModelForm):
    class Meta:
        model = NationalProposal
        fields = ["number", "thematic", "title", "text", "status"]
