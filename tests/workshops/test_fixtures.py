"""The shipped data: the real Pays de la Loire synthesis, every word of it."""

import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from actionplans.models import (
    Action,
    ActionPlanRow,
    Actor,
    Axis,
    FlagshipProposal,
    Indicator,
    Timing,
)
from etatsgeneraux.exchange.fixtures import serialize_syntheses
from tests.factories import SEEDS
from workshops.fixtures import DEMO_SLUGS
from workshops.models import (
    DiagnosticRow,
    Irritant,
    Lever,
    MainIrritant,
    Need,
    Participation,
    ProjectionRow,
    RetexSheet,
    Strength,
    Synthesis,
)

pytestmark = pytest.mark.django_db


# (slug, canonical thematic) -> counts per stage, as the documents hold them:
# RETEX sheets, diagnostic rows, irritants, strengths | projection rows, main irritants,
# needs, levers | plan rows, axes, actions, actors, timings, indicators
EXPECTED_COUNTS = {
    ("pays-de-la-loire-2020", 1): (3, 2, 13, 17, 3, 3, 5, 4, 2, 3, 9, 6, 5, 5),
    ("pays-de-la-loire-2020", 3): (2, 3, 13, 10, 2, 4, 4, 7, 2, 3, 5, 4, 2, 7),
    ("pays-de-la-loire-2020", 5): (2, 1, 3, 3, 2, 7, 3, 9, 2, 2, 5, 7, 1, 3),
    ("pays-de-la-loire-2020", 4): (1, 2, 10, 11, 4, 5, 4, 13, 2, 2, 8, 9, 3, 4),
    ("pays-de-la-loire-2020", 2): (3, 2, 19, 15, 5, 5, 9, 34, 3, 11, 14, 18, 6, 15),
    ("vendee-2020", 1): (0, 1, 3, 1, 1, 3, 2, 3, 1, 4, 3, 3, 1, 3),
    ("vendee-2020", 2): (0, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 4, 1, 2),
    ("vendee-2020", 3): (0, 1, 2, 4, 1, 2, 1, 1, 1, 2, 3, 3, 1, 4),
    ("vendee-2020", 4): (0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 1, 2),
}


def section_counts(section):
    count = {
        model: model.objects.filter(row__section=section).count()
        for model in (
            Irritant,
            Strength,
            MainIrritant,
            Need,
            Lever,
            Axis,
            Action,
            Actor,
            Timing,
            Indicator,
        )
    }
    return (
        section.retex_sheets.count(),
        section.diagnostic_rows.count(),
        count[Irritant],
        count[Strength],
        section.projection_rows.count(),
        count[MainIrritant],
        count[Need],
        count[Lever],
        section.action_plan_rows.count(),
        count[Axis],
        count[Action],
        count[Actor],
        count[Timing],
        count[Indicator],
    )


def test_the_fixtures_hold_every_stage_of_every_thematic(demo_data):
    found = {
        (section.synthesis.slug, section.thematic.number): section_counts(section)
        for synthesis in Synthesis.objects.filter(slug__in=DEMO_SLUGS)
        for section in synthesis.sections.all()
    }
    assert found == EXPECTED_COUNTS


def test_the_regional_synthesis_keeps_its_own_section_order(demo_data):
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    sections = list(synthesis.sections.all())
    assert [section.thematic.number for section in sections] == [1, 3, 5, 4, 2]
    assert sections[2].display_title == "Gouvernance et anticipation"
    assert synthesis.status == Synthesis.Status.PUBLISHED
    assert synthesis.department is None


def test_the_vendee_synthesis_is_an_annex_with_shared_retex_sheets(demo_data):
    vendee = Synthesis.objects.get(slug="vendee-2020")
    assert vendee.parent.slug == "pays-de-la-loire-2020"
    assert vendee.department.code == "85"
    shared = RetexSheet.objects.filter(synthesis=vendee, section__isnull=True)
    assert [sheet.number for sheet in shared] == [1, 2]
    assert shared[1].links.get().url.startswith("https://www.dsden85.ac-nantes.fr/")
    cited = DiagnosticRow.objects.filter(section__synthesis=vendee, retex_sheets=shared[1])
    assert cited.count() == 4


def test_both_introduction_blocks_are_complete(demo_data):
    academic, departmental = Synthesis.objects.get(slug="pays-de-la-loire-2020").sessions.all()
    assert academic.format == "distanciel"
    assert academic.facilitators.count() == 7
    guest = academic.facilitators.get(name="Elodie Cantaloube")
    assert (guest.role, guest.note) == ("Banque des territoires", "pour le lundi 12/10")
    researchers = academic.participations.get(category__number=7)
    assert (researchers.participants, researchers.note) == (24, "dont une vingtaine d'étudiants")
    assert departmental.format == "both"
    assert departmental.facilitators_note == "Voir les annexes départementales"
    assert departmental.dates_places.splitlines()[0] == "Du 28/09 au 09/10 : Vendée"
    first_degree = departmental.participations.get(category__number=1)
    assert (first_degree.participants, first_degree.establishments) == (328, 215)
    assert Participation.objects.filter(session__in=[academic, departmental]).count() == 18


def test_the_flagship_proposal_is_complete(demo_data):
    proposal = FlagshipProposal.objects.get()
    assert proposal.title == "Plan de Continuité Pédagogique Numérique (PCPN)"
    assert proposal.synthesis.slug == "vendee-2020"
    assert proposal.summary.startswith("Créer une annexe au DUERP")
    assert proposal.summary.endswith("conseillers pédagogiques, DAN.")
    assert proposal.establishments == "tous 35 collèges 305 écoles"
    assert proposal.pupils == "tous 49 000"
    assert (proposal.territory, proposal.referent) == (
        "Vendée (écoles et collèges)",
        "Catherine Côme",
    )
    assert (proposal.effort, proposal.time_needed) == ("moyen", "moyen")
    assert proposal.difficulties == proposal.sustainability_needs == ""


def test_french_typography_survives_and_pdf_breaks_are_mended(demo_data):
    texts = [
        text
        for model in (Irritant, Strength, Need, Lever, Action, Actor, Timing, Indicator)
        for text in model.objects.values_list("text", flat=True)
    ]
    everything = "\n".join(texts)
    assert "Les impressions « papier » nécessaires" in texts
    assert "Mise en œuvre de différentes modalités" in everything
    assert "1er conseil d'école, CE" in texts
    assert "Créer des espaces de co-working délocalisés" in texts
    assert not re.search(r"\w- \w", everything), "a word is still cut by a PDF line end"
    assert "’" not in everything


def test_retyped_statements_are_linked_to_their_origin(demo_data):
    zones = MainIrritant.objects.get(
        row__section__synthesis__slug="pays-de-la-loire-2020", text="Zones blanches"
    )
    assert zones.source.row.section == zones.row.section
    assert Axis.objects.filter(source__isnull=False).count() == 11
    assert MainIrritant.objects.filter(source__isnull=False).count() == 9


def test_emphasis_follows_the_docx(demo_data):
    emphasised = {
        text
        for model in (Axis, Action, Actor)
        for text in model.objects.filter(emphasised=True).values_list("text", flat=True)
    }
    assert emphasised == {
        "Renforcer le rôle du Pôle inclusif d'accompagnement personnalisé (PIAL) : "
        "sensibiliser, recenser",
        "Usages pédagogiques du numérique à aborder en réunions PIAL",
        "IEN, coordonnateur du PIAL, ERPU, AESH",
    }


# Every ▶ bullet of the DOCX-derived seeds is in the database ---------------------------------


def normalise(text):
    text = re.sub(r"\s*<sup>(.*?)</sup>", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).replace("’", "'").replace("**", "")
    return " ".join(text.split())


def seed_bullets(name):
    """(text, emphasised) of each bullet of each table cell of a seed."""
    for line in (SEEDS / name).read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        for cell in line.split("\t"):
            for bullet in re.split(r"[▶►]", cell)[1:]:
                text = normalise(bullet)
                if text:
                    yield text, "<b>" in bullet


def stored_texts(synthesis_slug, thematics):
    filters = {
        "row__section__synthesis__slug": synthesis_slug,
        "row__section__thematic__number__in": thematics,
    }
    texts = {}
    statement_models = (Irritant, Strength, MainIrritant, Need, Lever)
    statement_models += (Axis, Action, Actor, Timing, Indicator)
    for model in statement_models:
        for text, emphasised in model.objects.filter(**filters).values_list("text", "emphasised"):
            texts[text] = texts.get(text, False) or emphasised
    return texts


@pytest.mark.parametrize(
    ("seed", "slug", "thematics"),
    [
        ("003_b745ed271fd9714d.txt", "pays-de-la-loire-2020", [1]),
        ("001_0a849699af4ebb51.txt", "pays-de-la-loire-2020", [5]),
        ("004_9daa3440c5590df5.txt", "pays-de-la-loire-2020", [4]),
        ("000_ee84334b5a1f3055.txt", "vendee-2020", [1, 2, 3, 4]),
    ],
)
def test_every_statement_of_a_docx_seed_is_in_the_fixtures(demo_data, seed, slug, thematics):
    stored = stored_texts(slug, thematics)
    labels = {
        label
        for model in (DiagnosticRow, ProjectionRow, ActionPlanRow)
        for label in model.objects.values_list("thematic_label", flat=True)
    }
    missing, wrong_emphasis = [], []
    for text, emphasised in seed_bullets(seed):
        if re.fullmatch(r"[\d, ]*", text) or text == "Moyen terme" or text in labels:
            continue  # RETEX numbers, a horizon, a row's thematic cell
        if text not in stored:
            missing.append(text)
        elif stored[text] != emphasised:
            wrong_emphasis.append(text)
    assert missing == []
    assert wrong_emphasis == []


# Loading ------------------------------------------------------------------------------------


def test_loading_the_fixtures_twice_changes_nothing(demo_data):
    before = serialize_syntheses(Synthesis.objects.filter(slug__in=DEMO_SLUGS))
    call_command("loaddata", "reference", "pays-de-la-loire-2020", verbosity=0)
    assert serialize_syntheses(Synthesis.objects.filter(slug__in=DEMO_SLUGS)) == before


def test_the_fixture_file_is_what_dump_fixtures_writes(demo_data, tmp_path):
    """Curators edit in the admin and dump; the shipped file must be in that same form."""
    output = tmp_path / "dump.json"
    call_command("dump_fixtures", output=str(output), verbosity=0)
    shipped = Path(settings.BASE_DIR) / "fixtures" / "pays-de-la-loire-2020.json"
    assert json.loads(output.read_text()) == json.loads(shipped.read_text())
