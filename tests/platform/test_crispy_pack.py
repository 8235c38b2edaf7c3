"""The `dsfr_crispy` template pack: django-crispy-forms writing the markup of the DSFR."""

import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from crispy_forms.utils import render_crispy_form
from django import forms
from django.conf import settings
from django.template import Context, Template


class WorkshopForm(forms.Form):
    title = forms.CharField(label="Intitulé", max_length=20, help_text="Tel qu’affiché.")
    summary = forms.CharField(label="Résumé", required=False, widget=forms.Textarea)
    participants = forms.IntegerField(label="Participants", min_value=0, required=False)
    format = forms.ChoiceField(
        label="Format",
        choices=[("", "Non précisé"), ("presentiel", "Présentiel"), ("distanciel", "Distanciel")],
        required=False,
    )
    effort = forms.ChoiceField(
        label="Effort",
        choices=[("faible", "Faible"), ("fort", "Fort")],
        widget=forms.RadioSelect,
    )
    themes = forms.MultipleChoiceField(
        label="Thématiques",
        choices=[("1", "Égal accès"), ("2", "Enseigner")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    ticked = forms.BooleanField(label="Catégorie présente", required=False)
    secret = forms.CharField(label="Mot de passe", widget=forms.PasswordInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def crispy(form, helper=None):
    if helper is not None:
        form.helper = helper
    return render_crispy_form(form, helper)


def crispy_filter(form):
    return Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))


def group_of(html, field_id):
    """The DSFR group that holds the field with this id (up to the next group)."""
    start = html.index(f'id="div_{field_id}"')
    following = html.find('id="div_', start + 1)
    return html[start : following if following != -1 else len(html)]


def test_the_pack_is_the_default_and_named_so_it_leaves_django_dsfr_s_templates_alone():
    assert settings.CRISPY_TEMPLATE_PACK == "dsfr_crispy"
    assert settings.CRISPY_ALLOWED_TEMPLATE_PACKS == ("dsfr_crispy",)


def test_text_fields_get_a_dsfr_group_a_label_tied_to_the_input_and_a_hint():
    html = crispy_filter(WorkshopForm())
    group = group_of(html, "id_title")
    assert 'class="fr-input-group"' in group
    assert '<label class="fr-label" for="id_title">Intitulé' in group
    assert '<span class="fr-hint-text" id="id_title_helptext">Tel qu’affiché.</span>' in group
    assert re.search(r'<input[^>]*class="fr-input"', group)
    assert 'aria-describedby="id_title_helptext"' in group
    assert re.search(r"<textarea[^>]*class=\"fr-input\"", group_of(html, "id_summary"))
    assert re.search(r'<select[^>]*class="fr-select"', group_of(html, "id_format"))
    assert 'class="fr-select-group"' in group_of(html, "id_format")


def test_required_fields_carry_an_asterisk_and_the_required_attribute():
    html = crispy_filter(WorkshopForm())
    assert '<span class="dsfr-crispy-required">&nbsp;*</span>' in group_of(html, "id_title")
    assert re.search(r'<input[^>]*name="title"[^>]*required', html)
    assert "dsfr-crispy-required" not in group_of(html, "id_summary")


def test_radio_buttons_and_checkboxes_are_fieldsets_with_a_legend():
    html = crispy_filter(WorkshopForm())
    radios = group_of(html, "id_effort")
    assert radios.startswith('id="div_id_effort" class="fr-fieldset"')
    assert '<legend class="fr-fieldset__legend fr-fieldset__legend--regular"' in radios
    assert radios.count('class="fr-radio-group"') == 2
    assert '<label class="fr-label" for="id_effort_0">Faible</label>' in radios
    boxes = group_of(html, "id_themes")
    assert boxes.count('class="fr-checkbox-group"') == 2
    single = group_of(html, "id_ticked")
    assert 'class="fr-checkbox-group"' in single
    assert re.search(r'<input type="checkbox" name="ticked"[^>]*id="id_ticked"', single)
    password = group_of(html, "id_secret")
    assert 'class="fr-password"' in password and "fr-password__input" in password


def test_errors_stand_next_to_their_field_in_french_and_are_announced():
    form = WorkshopForm(data={"title": "x" * 30, "participants": "-2", "effort": "moyen"})
    assert not form.is_valid()
    html = crispy_filter(form)
    title = group_of(html, "id_title")
    assert 'class="fr-input-group fr-input-group--error"' in title
    assert "fr-input--error" in title
    assert 'aria-invalid="true"' in title
    assert 'aria-describedby="id_title_helptext id_title-messages"' in title
    assert re.search(
        r'<div class="fr-messages-group" id="id_title-messages" aria-live="polite">\s*'
        r'<p class="fr-message fr-message--error">Assurez-vous que cette valeur comporte au '
        r"plus 20 caractères",
        title,
    )
    assert "supérieure ou égale à 0" in group_of(html, "id_participants")
    effort = group_of(html, "id_effort")
    assert "fr-fieldset--error" in effort
    assert 'aria-labelledby="id_effort-legend id_effort-messages"' in effort
    assert "Sélectionnez un choix valide" in effort


def test_a_summary_lists_the_errors_with_links_to_their_fields():
    form = WorkshopForm(data={"effort": "faible"})
    form.is_valid()
    form.add_error(None, "Cette proposition existe déjà.")
    html = crispy(form, FormHelper())
    summary = html[html.index("dsfr-crispy-summary") : html.index("</ul>")]
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    assert "Cette proposition existe déjà." in summary
    assert '<a href="#id_title">Intitulé&nbsp;: Ce champ est obligatoire.</a>' in summary


def test_a_hidden_field_s_error_is_shown_with_the_form_s_own():
    form = WorkshopForm(data={"title": "Atelier", "effort": "faible", "version": "abc"})
    form.is_valid()
    html = crispy_filter(form)
    assert "Saisissez un nombre entier." in html
    assert '<input type="hidden" name="version"' in html


def test_a_layout_of_fieldsets_and_a_submit_button_renders_as_dsfr():
    helper = FormHelper()
    helper.form_id = "atelier"
    helper.layout = Layout(
        Fieldset("Description", "title", "summary"),
        Fieldset("Mise en place", "effort"),
    )
    helper.add_input(Submit("enregistrer", "Enregistrer"))
    html = crispy(WorkshopForm(), helper)
    assert re.search(r'<form id="atelier" method="post"', html)
    assert "csrfmiddlewaretoken" not in html  # no token without a request: nothing leaks
    assert '<fieldset class="fr-fieldset">' in html
    assert '<legend class="fr-fieldset__legend">Description</legend>' in html
    assert re.search(
        r'<button type="submit" name="enregistrer" value="Enregistrer" class="fr-btn"', html
    )
    assert "btn-primary" not in html
    assert "participants" not in html  # a layout renders what it names


def test_a_field_missing_from_the_layout_is_an_error_not_a_silent_gap():
    helper = FormHelper()
    helper.layout = Layout(Fieldset("Description", "titel"))
    with pytest.raises(Exception, match="titel"):
        crispy(WorkshopForm(), helper)


def test_a_field_tracking_its_initial_value_keeps_it_when_the_form_comes_back():
    class Tracked(forms.Form):
        title = forms.CharField(label="Intitulé", show_hidden_initial=True)

    drawn = crispy_filter(Tracked(initial={"title": "Avant"}))
    assert '<input type="hidden" name="initial-title" value="Avant"' in drawn
    bound = Tracked(data={"title": "Après", "initial-title": "Avant"})
    assert bound.has_changed()
    again = crispy_filter(bound)
    assert '<input type="hidden" name="initial-title" value="Avant"' in again
    assert 'value="Après"' in again


def test_text_typed_by_users_is_escaped():
    form = WorkshopForm(data={"title": '<script>alert("x")</script>', "effort": "faible"})
    html = crispy_filter(form)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
