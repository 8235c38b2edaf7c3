from pathlib import Path

import factory
from django.contrib.auth import get_user_model
from django.test import Client

from actionplans import models as plans
from workshops import models as workshops

# Real syntheses as text, which the fixtures were transcribed from (seeds/README.md).
SEEDS = Path(__file__).parent / "seeds"

# Every user the factories make has this password (hashed with MD5 in tests: tests/conftest.py).
PASSWORD = "un mot de passe solide"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class ThematicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Thematic
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: n % 5 + 1)
    title = factory.LazyAttribute(lambda o: f"Thématique {o.number}")
    short_title = factory.LazyAttribute(lambda o: f"T{o.number}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Région {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:02d}"[-3:])
    name = factory.Sequence(lambda n: f"Département {n}")
    region = factory.SubFactory(RegionFactory)


class ParticipantCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.ParticipantCategory
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: n % 9 + 1)
    label = factory.LazyAttribute(lambda o: f"Catégorie {o.number}")
    counts_establishments = factory.LazyAttribute(lambda o: o.number <= 2)


class SynthesisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Synthesis

    slug = factory.Sequence(lambda n: f"synthese-{n}")
    title = factory.Sequence(lambda n: f"Synthèse {n}")
    year = 2020
    status = workshops.Synthesis.Status.PUBLISHED
    region = factory.SubFactory(RegionFactory)


class DepartmentalSynthesisFactory(SynthesisFactory):
    department = factory.SubFactory(DepartmentFactory, region=factory.SelfAttribute("..region"))
    parent = factory.SubFactory(SynthesisFactory, region=factory.SelfAttribute("..region"))


class FacilitatorMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Membership

    user = factory.SubFactory(UserFactory)
    role = workshops.Membership.Role.FACILITATOR
    region = factory.SubFactory(RegionFactory)


class ReferentMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Membership

    user = factory.SubFactory(UserFactory)
    role = workshops.Membership.Role.REFERENT
    department = factory.SubFactory(DepartmentFactory)


class ThematicSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.ThematicSection

    synthesis = factory.SubFactory(SynthesisFactory)
    thematic = factory.SubFactory(ThematicFactory)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Session

    synthesis = factory.SubFactory(SynthesisFactory)
    title = "Séance académique"
    dates_places = "Le lundi 12 octobre 2020"
    format = workshops.Session.Format.REMOTE


class FacilitatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Facilitator

    session = factory.SubFactory(SessionFactory)
    name = factory.Sequence(lambda n: f"Animatrice {n}")
    role = "Chargée de mission DANE"


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.Participation

    session = factory.SubFactory(SessionFactory)
    category = factory.SubFactory(ParticipantCategoryFactory)
    ticked = True
    participants = 7


class RetexSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.RetexSheet

    section = factory.SubFactory(ThematicSectionFactory)
    synthesis = factory.SelfAttribute("section.synthesis")
    number = factory.Sequence(lambda n: n + 1)
    origin = "Académie"
    title = "Témoignage d'une équipe"
    text = "Deux ou trois lignes de retour d'expérience."


class RetexLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.RetexLink

    sheet = factory.SubFactory(RetexSheetFactory)
    url = factory.Sequence(lambda n: f"https://example.org/retex/{n}")


class DiagnosticRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.DiagnosticRow

    section = factory.SubFactory(ThematicSectionFactory)


class RetexReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.RetexReference

    row = factory.SubFactory(DiagnosticRowFactory)
    sheet = factory.SubFactory(RetexSheetFactory, section=factory.SelfAttribute("..row.section"))


class ProjectionRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = workshops.ProjectionRow

    section = factory.SubFactory(ThematicSectionFactory)


class ActionPlanRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = plans.ActionPlanRow

    section = factory.SubFactory(ThematicSectionFactory)


def statement_factory(model, row_factory, prefix):
    return type(
        f"{model.__name__}Factory",
        (factory.django.DjangoModelFactory,),
        {
            "Meta": type("Meta", (), {"model": model}),
            "row": factory.SubFactory(row_factory),
            "text": factory.Sequence(lambda n: f"{prefix} {n}"),
        },
    )


IrritantFactory = statement_factory(workshops.Irritant, DiagnosticRowFactory, "Irritant")
StrengthFactory = statement_factory(workshops.Strength, DiagnosticRowFactory, "Point fort")
NeedFactory = statement_factory(workshops.Need, ProjectionRowFactory, "Besoin")
LeverFactory = statement_factory(workshops.Lever, ProjectionRowFactory, "Levier")
MainIrritantFactory = statement_factory(
    workshops.MainIrritant, ProjectionRowFactory, "Irritant principal"
)
AxisFactory = statement_factory(plans.Axis, ActionPlanRowFactory, "Axe")
ActionFactory = statement_factory(plans.Action, ActionPlanRowFactory, "Action")
ActorFactory = statement_factory(plans.Actor, ActionPlanRowFactory, "Acteur")
TimingFactory = statement_factory(plans.Timing, ActionPlanRowFactory, "Temporalité")
IndicatorFactory = statement_factory(plans.Indicator, ActionPlanRowFactory, "Indicateur")


class FlagshipProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = plans.FlagshipProposal

    synthesis = factory.SubFactory(SynthesisFactory)
    title = "Plan de Continuité Pédagogique Numérique (PCPN)"
    summary = "Créer une annexe au DUERP."
    effort = plans.Effort.MEDIUM
    time_needed = plans.Horizon.MEDIUM


# Roles and logged-in clients ----------------------------------------------------------------


def facilitator_of(synthesis):
    """A user who may edit the synthesis: a facilitator of its region."""
    return FacilitatorMembershipFactory(region=synthesis.region).user


def referent_of(synthesis):
    """A user who reads the synthesis, drafts included, and edits nothing: a referent of its
    department for an annex, of a new department of its region for a regional synthesis."""
    department = synthesis.department or DepartmentFactory(region=synthesis.region)
    return ReferentMembershipFactory(department=department).user


def logged_in(user, **kwargs):
    """A test client of its own (`kwargs` go to Client, e.g. enforce_csrf_checks=True)."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


# The workshop board -------------------------------------------------------------------------


def board_section(*, rows=3, statements=3, synthesis=None, thematic=2, linked=True):
    """A thematic section filled like a workshop: `rows` rows per stage, `statements` per cell.

    With `linked`, the first main irritant of each projection row links the first irritant
    of the diagnostic row of the same rank, and the first axis of each action-plan row the
    first lever of the projection row of the same rank.
    """
    synthesis = synthesis or SynthesisFactory(status=workshops.Synthesis.Status.DRAFT)
    section = ThematicSectionFactory(
        synthesis=synthesis, thematic=ThematicFactory(number=thematic), position=None
    )
    sheets = [
        RetexSheetFactory(section=section, synthesis=synthesis, number=number)
        for number in (1, 2, 3)
    ]
    for sheet in sheets:
        RetexLinkFactory(sheet=sheet)

    def fill(make, row, count, start=1):
        return [make(row=row, position=position) for position in range(start, start + count)]

    for index in range(rows):
        diagnostic = DiagnosticRowFactory(section=section, position=index + 1)
        RetexReferenceFactory(row=diagnostic, sheet=sheets[index % 3])
        irritants = fill(IrritantFactory, diagnostic, statements)
        fill(StrengthFactory, diagnostic, statements)

        projection = ProjectionRowFactory(section=section, position=index + 1)
        if linked:
            MainIrritantFactory(row=projection, position=1, source=irritants[0], text="")
            fill(MainIrritantFactory, projection, statements - 1, start=2)
        else:
            fill(MainIrritantFactory, projection, statements)
        levers = fill(LeverFactory, projection, statements)
        fill(NeedFactory, projection, statements)

        plan = ActionPlanRowFactory(section=section, position=index + 1, horizon="court")
        if linked:
            AxisFactory(row=plan, position=1, source=levers[0], text="")
            fill(AxisFactory, plan, statements - 1, start=2)
        else:
            fill(AxisFactory, plan, statements)
        for make in (ActionFactory, ActorFactory, TimingFactory, IndicatorFactory):
            fill(make, plan, statements)
    return section
