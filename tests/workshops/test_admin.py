import html

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from actionplans.followup import (
    ActionProgress,
    FollowUpSettings,
    IndicatorTarget,
    JournalEntry,
    Measurement,
)
from etatsgeneraux.publishing import versions as publishing
from tests import factories
from workshops.models import Irritant, MainIrritant, PublishedVersion, Synthesis, Thematic

pytestmark = pytest.mark.django_db

OUR_APPS = {"workshops", "actionplans", "auth"}

REGISTERED_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
    key=lambda model: model._meta.label,
)


# Written by the platform only, never changed: the admin shows them.
READ_ONLY_MODELS = {PublishedVersion, JournalEntry, Measurement}


def page_text(response):
    return html.unescape(response.content.decode())


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def build_one_of_everything():
    irritant = factories.IrritantFactory()
    section = irritant.row.section
    factories.StrengthFactory(row=irritant.row)
    factories.RetexReferenceFactory(row=irritant.row)
    factories.RetexLinkFactory(sheet__section=section)
    projection = factories.ProjectionRowFactory(section=section)
    MainIrritant.objects.create(row=projection, source=irritant)
    factories.NeedFactory(row=projection)
    lever = factories.LeverFactory(row=projection)
    plan = factories.ActionPlanRowFactory(section=section)
    factories.AxisFactory(row=plan, source=lever)
    for statement_factory in (
        factories.ActionFactory,
        factories.ActorFactory,
        factories.TimingFactory,
        factories.IndicatorFactory,
    ):
        statement_factory(row=plan)
    action, indicator = plan.actions.get(), plan.indicators.get()
    ActionProgress.objects.create(action=action, status="en-cours", progress=10)
    JournalEntry.objects.create(action=action, status="en-cours", progress=10)
    IndicatorTarget.objects.create(indicator=indicator, unit="%")
    Measurement.objects.create(indicator=indicator, date="2021-01-04", value=3)
    FollowUpSettings.objects.create(synthesis=section.synthesis)
    factories.FacilitatorFactory(session__synthesis=section.synthesis)
    factories.ParticipationFactory(session__synthesis=section.synthesis)
    factories.FlagshipProposalFactory(synthesis=section.synthesis)
    factories.DepartmentalSynthesisFactory(parent=section.synthesis)
    publishing.publish(section.synthesis)  # a published version
    Group.objects.create(name="Animateurs DANE")
    factories.FacilitatorMembershipFactory(region=section.synthesis.region)


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_renders_for_a_superuser(admin_client, model):
    build_one_of_everything()
    changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(admin_url(model, "changelist"), {"q": "é"}).status_code == 200
    adding = admin_client.get(admin_url(model, "add")).status_code
    assert adding == (403 if model in READ_ONLY_MODELS else 200)
    instance = model.objects.first()
    assert instance is not None
    change = admin_client.get(admin_url(model, "change", instance.pk))
    assert change.status_code == 200
    assert str(instance) in page_text(change)


def test_the_admin_speaks_french(admin_client):
    response = admin_client.get(reverse("admin:index"))
    content = page_text(response)
    assert '<html lang="fr"' in content
    assert "Ateliers et synthèses" in content
    assert "Plans d'action et propositions phares" in content


def test_statements_are_found_by_their_text(admin_client):
    factories.IrritantFactory(text="Zones blanches")
    factories.IrritantFactory(text="Matériel insuffisant")
    response = admin_client.get(admin_url(Irritant, "changelist"), {"q": "blanches"})
    assert response.context["cl"].result_count == 1
    rows = admin_client.get(
        admin_url(factories.DiagnosticRowFactory._meta.model, "changelist"), {"q": "blanches"}
    )
    assert rows.context["cl"].result_count == 1


def test_rows_are_filtered_by_region_department_thematic_and_status(admin_client):
    for number in (1, 2):  # a filter shows once it has two choices
        factories.IrritantFactory(
            row__section__synthesis=factories.DepartmentalSynthesisFactory(),
            row__section__thematic=factories.ThematicFactory(number=number),
        )
    response = admin_client.get(admin_url(Irritant, "changelist"))
    filters = {spec.title for spec in response.context["cl"].filter_specs}
    assert {"région académique", "département", "thématique", "statut"} <= filters


def diagnostic_row_post(row, irritants):
    """The admin change form of a diagnostic row, with these irritant texts."""
    data = {
        "section": row.section.pk,
        "position": row.position,
        "thematic_label": "",
        "retex_label": "",
        "retex_references-TOTAL_FORMS": 0,
        "retex_references-INITIAL_FORMS": 0,
        "strengths-TOTAL_FORMS": 0,
        "strengths-INITIAL_FORMS": 0,
        "irritants-TOTAL_FORMS": len(irritants),
        "irritants-INITIAL_FORMS": 0,
    }
    for index, text in enumerate(irritants):
        data[f"irritants-{index}-text"] = text
        data[f"irritants-{index}-position"] = index + 1
    return data


def test_a_formset_with_one_bad_row_saves_no_row(admin_client):
    row = factories.DiagnosticRowFactory()
    url = admin_url(type(row), "change", row.pk)
    response = admin_client.post(url, diagnostic_row_post(row, ["Zones blanches", ""]))
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page_text(response)
    assert not Irritant.objects.exists()

    response = admin_client.post(url, diagnostic_row_post(row, ["Zones blanches", "Débit"]))
    assert response.status_code == 302
    assert list(row.irritants.values_list("text", flat=True)) == ["Zones blanches", "Débit"]


def test_two_statements_at_the_same_position_are_refused_in_french(admin_client):
    row = factories.DiagnosticRowFactory()
    data = diagnostic_row_post(row, ["Un", "Deux"])
    data["irritants-1-position"] = 1
    response = admin_client.post(admin_url(type(row), "change", row.pk), data)
    assert "Corrigez les données en double dans position." in page_text(response)
    assert not Irritant.objects.exists()


def test_a_link_outside_the_section_is_refused_with_a_clear_message(admin_client):
    elsewhere = factories.IrritantFactory()
    row = factories.ProjectionRowFactory()
    data = {
        "section": row.section.pk,
        "position": row.position,
        "thematic_label": "",
        "main_irritants-TOTAL_FORMS": 1,
        "main_irritants-INITIAL_FORMS": 0,
        "main_irritants-0-position": 1,
        "main_irritants-0-source": elsewhere.pk,
        "main_irritants-0-text": "",
        "needs-TOTAL_FORMS": 0,
        "needs-INITIAL_FORMS": 0,
        "levers-TOTAL_FORMS": 0,
        "levers-INITIAL_FORMS": 0,
    }
    response = admin_client.post(admin_url(type(row), "change", row.pk), data)
    assert "appartient à une autre synthèse ou à une autre thématique" in (page_text(response))
    assert not MainIrritant.objects.exists()


def test_deleting_a_thematic_in_use_is_refused_and_keeps_the_synthesis(admin_client):
    section = factories.ThematicSectionFactory()
    url = admin_url(Thematic, "delete", section.thematic.pk)
    page = admin_client.get(url)
    assert "provoquerait la suppression des objets liés et protégés" in page_text(page)
    admin_client.post(url, {"post": "yes"})
    assert Thematic.objects.filter(pk=section.thematic.pk).exists()
    assert Synthesis.objects.filter(pk=section.synthesis.pk).exists()


def test_a_departmental_synthesis_outside_its_region_is_refused(admin_client):
    department = factories.DepartmentFactory()
    response = admin_client.post(
        admin_url(Synthesis, "add"),
        {
            "slug": "mauvaise-region",
            "title": "Synthèse",
            "year": 2020,
            "status": "draft",
            "region": factories.RegionFactory().pk,
            "department": department.pk,
            "sessions-TOTAL_FORMS": 0,
            "sessions-INITIAL_FORMS": 0,
            "sections-TOTAL_FORMS": 0,
            "sections-INITIAL_FORMS": 0,
            "flagship_proposals-TOTAL_FORMS": 0,
            "flagship_proposals-INITIAL_FORMS": 0,
        },
    )
    assert "Ce département n'appartient pas à la région choisie." in page_text(response)
    assert not Synthesis.objects.filter(slug="mauvaise-region").exists()


def test_published_versions_are_listed_and_never_changed_in_the_admin(admin_client, regional):
    version = publishing.publish(regional)
    listing = admin_client.get(admin_url(PublishedVersion, "changelist"))
    assert listing.status_code == 200
    assert "Pays de la Loire" in page_text(listing)
    change = admin_url(PublishedVersion, "change", version.pk)
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {}).status_code == 403
    assert admin_client.get(admin_url(PublishedVersion, "add")).status_code == 403
    delete = admin_url(PublishedVersion, "delete", version.pk)
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert PublishedVersion.objects.filter(pk=version.pk).exists()
