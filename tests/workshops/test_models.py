import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from actionplans.models import Axis
from tests import factories
from workshops.models import (
    STATEMENT_MAX_LENGTH,
    Irritant,
    MainIrritant,
    RetexReference,
    StaleEditError,
    Synthesis,
)

pytestmark = pytest.mark.django_db


def messages(error):
    return " ".join(error.messages)


def another_section_of(section):
    """A section of the same synthesis on another thematic."""
    return factories.ThematicSectionFactory(
        synthesis=section.synthesis,
        thematic=factories.ThematicFactory(number=section.thematic.number % 5 + 1),
    )


# Syntheses ------------------------------------------------------------------------------


def test_a_departmental_synthesis_must_be_in_its_region():
    synthesis = factories.SynthesisFactory.build(
        region=factories.RegionFactory(), department=factories.DepartmentFactory()
    )
    with pytest.raises(ValidationError) as error:
        synthesis.full_clean()
    assert "n'appartient pas à la région" in messages(error.value)


def test_only_a_departmental_synthesis_can_be_an_annex():
    regional = factories.SynthesisFactory()
    other = factories.SynthesisFactory.build(region=regional.region, parent=regional)
    with pytest.raises(ValidationError) as error:
        other.full_clean()
    assert "Seule une synthèse départementale" in messages(error.value)


def test_an_annex_hangs_on_a_regional_synthesis_of_its_region():
    annex = factories.DepartmentalSynthesisFactory()
    annex.full_clean()
    nested = factories.DepartmentalSynthesisFactory.build(
        region=annex.region,
        department=factories.DepartmentFactory(region=annex.region),
        parent=annex,
    )
    with pytest.raises(ValidationError) as error:
        nested.full_clean()
    assert "doit être une synthèse régionale" in messages(error.value)

    foreign = factories.DepartmentalSynthesisFactory.build(
        department=factories.DepartmentFactory(), parent=factories.SynthesisFactory()
    )
    foreign.region = foreign.department.region
    with pytest.raises(ValidationError) as error:
        foreign.full_clean()
    assert "appartient à une autre région" in messages(error.value)


def test_a_thematic_appears_once_per_synthesis():
    section = factories.ThematicSectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ThematicSectionFactory(synthesis=section.synthesis, thematic=section.thematic)


def test_sections_keep_the_order_of_their_synthesis():
    synthesis = factories.SynthesisFactory()
    numbers = [1, 3, 5, 4, 2]
    for number in numbers:
        factories.ThematicSectionFactory(
            synthesis=synthesis, thematic=factories.ThematicFactory(number=number)
        )
    assert [s.thematic.number for s in synthesis.sections.all()] == numbers
    assert [s.position for s in synthesis.sections.all()] == [1, 2, 3, 4, 5]


def test_published_and_regional_querysets():
    regional = factories.SynthesisFactory()
    factories.SynthesisFactory(status=Synthesis.Status.DRAFT)
    annex = factories.DepartmentalSynthesisFactory(parent=regional, region=regional.region)
    assert annex not in Synthesis.objects.regional()
    assert set(Synthesis.objects.published()) == {regional, annex}


# Ordered statements -----------------------------------------------------------------------


def test_a_statement_added_without_position_goes_to_the_end():
    row = factories.DiagnosticRowFactory()
    first = factories.IrritantFactory(row=row)
    second = factories.IrritantFactory(row=row)
    assert (first.position, second.position) == (1, 2)
    assert list(row.irritants.all()) == [first, second]


def test_two_statements_of_a_list_cannot_share_a_position():
    irritant = factories.IrritantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.IrritantFactory(row=irritant.row, position=irritant.position)


def test_the_same_position_is_fine_in_another_list():
    irritant = factories.IrritantFactory()
    strength = factories.StrengthFactory(row=irritant.row, position=irritant.position)
    assert strength.position == irritant.position


def test_a_statement_has_a_length_limit():
    statement = factories.IrritantFactory.build(
        row=factories.DiagnosticRowFactory(), text="é" * (STATEMENT_MAX_LENGTH + 1), position=1
    )
    with pytest.raises(ValidationError) as error:
        statement.full_clean()
    assert "au plus 2000 caractères" in messages(error.value)


# Links between stages ---------------------------------------------------------------------


def test_a_main_irritant_can_point_to_a_diagnostic_irritant_of_its_section():
    irritant = factories.IrritantFactory(text="Zones blanches")
    row = factories.ProjectionRowFactory(section=irritant.row.section)
    main = MainIrritant(row=row, source=irritant, text="")
    main.full_clean()
    main.save()
    assert main.display_text == "Zones blanches"
    assert list(irritant.projections.all()) == [main]


@pytest.mark.parametrize("other", ["section", "synthesis"])
def test_a_main_irritant_cannot_point_outside_its_section(other):
    irritant = factories.IrritantFactory()
    if other == "section":
        section = another_section_of(irritant.row.section)
    else:
        section = factories.ThematicSectionFactory(thematic=irritant.row.section.thematic)
    main = MainIrritant(row=factories.ProjectionRowFactory(section=section), source=irritant)
    with pytest.raises(ValidationError) as error:
        main.full_clean()
    assert "appartient à une autre synthèse ou à une autre thématique" in messages(error.value)


def test_a_main_irritant_needs_a_source_or_a_text():
    row = factories.ProjectionRowFactory()
    with pytest.raises(ValidationError) as error:
        MainIrritant(row=row, position=1).full_clean()
    assert "Saisissez un texte ou choisissez un irritant du diagnostic" in messages(error.value)
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        MainIrritant.objects.create(row=row, position=1, text="")


def test_a_linked_main_irritant_keeps_its_words_but_shows_its_source():
    irritant = factories.IrritantFactory(text="Maintenance du matériel emprunté")
    row = factories.ProjectionRowFactory(section=irritant.row.section)
    main = MainIrritant(row=row, position=1, source=irritant, text="Maintenance des matériels")
    main.full_clean()
    main.save()
    assert main.text == "Maintenance des matériels"
    assert main.display_text == "Maintenance du matériel emprunté"


def test_an_axis_can_point_to_a_lever_of_its_section_only():
    lever = factories.LeverFactory(text="Mutualisation des usages")
    row = factories.ActionPlanRowFactory(section=lever.row.section)
    axis = Axis(row=row, source=lever, position=1)
    axis.full_clean()
    assert axis.display_text == "Mutualisation des usages"

    elsewhere = factories.ActionPlanRowFactory()
    with pytest.raises(ValidationError) as error:
        Axis(row=elsewhere, source=lever, position=1).full_clean()
    assert "Ce levier appartient à une autre synthèse" in messages(error.value)


def test_a_linked_irritant_cannot_be_deleted_alone():
    irritant = factories.IrritantFactory()
    MainIrritant.objects.create(
        row=factories.ProjectionRowFactory(section=irritant.row.section), source=irritant
    )
    with pytest.raises(RestrictedError):
        irritant.delete()


def test_deleting_a_synthesis_deletes_its_whole_chain():
    irritant = factories.IrritantFactory()
    section = irritant.row.section
    main = MainIrritant.objects.create(
        row=factories.ProjectionRowFactory(section=section), source=irritant
    )
    lever = factories.LeverFactory(row=main.row)
    Axis.objects.create(row=factories.ActionPlanRowFactory(section=section), source=lever)
    section.synthesis.delete()
    assert not Irritant.objects.exists()
    assert not Axis.objects.exists()


# RETEX ------------------------------------------------------------------------------------


def test_a_diagnostic_row_cites_sheets_of_its_section_or_shared_by_its_synthesis():
    row = factories.DiagnosticRowFactory()
    own = factories.RetexSheetFactory(section=row.section)
    shared = factories.RetexSheetFactory(section=None, synthesis=row.section.synthesis)
    for sheet in (own, shared):
        RetexReference(row=row, sheet=sheet).full_clean()


@pytest.mark.parametrize("other", ["section", "synthesis"])
def test_a_diagnostic_row_cannot_cite_a_sheet_from_elsewhere(other):
    row = factories.DiagnosticRowFactory()
    if other == "section":
        section = another_section_of(row.section)
        sheet = factories.RetexSheetFactory(section=section)
    else:
        sheet = factories.RetexSheetFactory()
    with pytest.raises(ValidationError) as error:
        RetexReference(row=row, sheet=sheet).full_clean()
    assert "appartient à une autre synthèse ou thématique" in messages(error.value)


def test_retex_numbers_are_unique_per_section_and_per_synthesis_for_shared_sheets():
    sheet = factories.RetexSheetFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.RetexSheetFactory(section=sheet.section, number=1)
    shared = factories.RetexSheetFactory(section=None, synthesis=sheet.synthesis, number=1)
    with pytest.raises(ValidationError) as error:
        factories.RetexSheetFactory.build(
            section=None, synthesis=shared.synthesis, number=1
        ).validate_constraints()
    assert "existe déjà dans cette synthèse" in messages(error.value)


def test_a_sheet_added_to_a_section_belongs_to_its_synthesis():
    section = factories.ThematicSectionFactory()
    sheet = factories.RetexSheetFactory.build(section=section, synthesis=None, number=1)
    sheet.save()
    assert sheet.synthesis == section.synthesis


def test_a_sheet_cannot_mix_a_synthesis_with_a_section_of_another():
    sheet = factories.RetexSheetFactory.build(
        section=factories.ThematicSectionFactory(), synthesis=factories.SynthesisFactory()
    )
    with pytest.raises(ValidationError) as error:
        sheet.full_clean()
    assert "autre synthèse" in messages(error.value)


# Introduction -----------------------------------------------------------------------------


def test_a_category_is_counted_once_per_session():
    participation = factories.ParticipationFactory()
    duplicate = factories.ParticipationFactory.build(
        session=participation.session, category=participation.category
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "déjà renseignée pour cette session" in messages(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_establishments_are_counted_for_school_teams_only():
    teams = factories.ParticipantCategoryFactory(number=1)
    researchers = factories.ParticipantCategoryFactory(number=7)
    session = factories.SessionFactory()
    factories.ParticipationFactory.build(
        session=session, category=teams, establishments=7
    ).full_clean()
    with pytest.raises(ValidationError) as error:
        factories.ParticipationFactory.build(
            session=session, category=researchers, establishments=3
        ).full_clean()
    assert "premier et du second degré" in messages(error.value)


# Reference data is protected ----------------------------------------------------------------


def test_a_thematic_in_use_cannot_be_deleted():
    section = factories.ThematicSectionFactory()
    with pytest.raises(ProtectedError):
        section.thematic.delete()
    assert Synthesis.objects.filter(pk=section.synthesis.pk).exists()


def test_a_region_in_use_cannot_be_deleted():
    synthesis = factories.SynthesisFactory()
    with pytest.raises(ProtectedError):
        synthesis.region.delete()


def test_a_regional_synthesis_with_annexes_cannot_be_deleted():
    annex = factories.DepartmentalSynthesisFactory()
    with pytest.raises(ProtectedError):
        annex.parent.delete()


def test_every_object_reads_well():
    section = factories.ThematicSectionFactory(
        synthesis__title="Synthèse régionale", thematic=factories.ThematicFactory(number=5)
    )
    section.title = "Gouvernance et anticipation"
    sheet = factories.RetexSheetFactory(section=section, number=2, origin="Loire-Atlantique")
    # The thematic's canonical number, not the section's position (README, « Numérotation »).
    assert str(section) == "Synthèse régionale · N°5 Gouvernance et anticipation"
    assert str(sheet).startswith("RETEX 2 (Loire-Atlantique) – ")
    assert str(factories.IrritantFactory(text="Zones blanches")) == "Zones blanches"
    assert str(factories.ParticipationFactory(participants=None)).endswith(" : —")


# Concurrent edits -------------------------------------------------------------------------


def test_an_edit_from_the_version_it_started_from_is_saved():
    irritant = factories.IrritantFactory(text="Zones blanches")
    irritant.text = "Zones blanches et grises"
    irritant.save_if_unchanged(expected_version=1, fields=["text"])
    irritant.refresh_from_db()
    assert (irritant.text, irritant.version) == ("Zones blanches et grises", 2)


def test_a_second_edit_from_a_stale_version_is_refused_and_keeps_the_first():
    first = factories.IrritantFactory(text="Zones blanches")
    second = Irritant.objects.get(pk=first.pk)
    first.text = "Texte de la première animatrice"
    first.save_if_unchanged(expected_version=1, fields=["text"])
    second.text = "Texte de la seconde animatrice"
    with pytest.raises(StaleEditError) as error:
        second.save_if_unchanged(expected_version=1, fields=["text"])
    assert error.value.current.text == "Texte de la première animatrice"
    first.refresh_from_db()
    assert first.text == "Texte de la première animatrice"


def test_an_edit_of_a_deleted_statement_is_refused():
    irritant = factories.IrritantFactory()
    stale = Irritant.objects.get(pk=irritant.pk)
    irritant.delete()
    with pytest.raises(StaleEditError) as error:
        stale.save_if_unchanged(expected_version=1, fields=["text"])
    assert error.value.current is None


def test_an_admin_save_bumps_the_version_so_workspace_edits_cannot_overwrite_it():
    irritant = factories.IrritantFactory()
    irritant.text = "Corrigé dans l'administration"
    irritant.save()
    assert irritant.version == 2
    with pytest.raises(StaleEditError):
        Irritant.objects.get(pk=irritant.pk).save_if_unchanged(1, ["text"])


def test_touching_a_synthesis_records_its_last_change():
    synthesis = factories.SynthesisFactory()
    before = synthesis.updated_at
    synthesis.touch()
    synthesis.refresh_from_db()
    assert synthesis.updated_at > before


def test_a_departmental_synthesis_can_be_locked_on_every_database():
    """PostgreSQL cannot lock the nullable side of a join; the lock takes the row alone."""
    annex = factories.DepartmentalSynthesisFactory()
    with transaction.atomic():
        annex.lock()
        annex.touch()
