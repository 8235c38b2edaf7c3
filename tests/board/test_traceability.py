"""Traceability of a thematic section: from the diagnosed irritants to the planned actions."""

import re

import pytest
from django.urls import reverse

from etatsgeneraux.board import traceability
from tests import factories
from workshops.models import Synthesis, ThematicSection

pytestmark = pytest.mark.django_db

# Session and user, synthesis and rights, section, sections menu, and one per table.
TRACE_QUERIES = 18


@pytest.fixture
def chain():
    """A section with one whole chain, one dead end, one typed main irritant, an orphan axis."""
    section = factories.ThematicSectionFactory(
        synthesis=factories.SynthesisFactory(status=Synthesis.Status.DRAFT),
        thematic=factories.ThematicFactory(number=2),
    )
    diagnostic = factories.DiagnosticRowFactory(section=section)
    linked = factories.IrritantFactory(row=diagnostic, text="Zones blanches")
    factories.IrritantFactory(row=diagnostic, text="Trop d’outils différents")

    projection = factories.ProjectionRowFactory(section=section)
    factories.MainIrritantFactory(row=projection, source=linked, text="Les zones blanches")
    factories.NeedFactory(row=projection, text="Une connexion partout")
    lever = factories.LeverFactory(row=projection, text="Cartographier les zones blanches")
    factories.LeverFactory(row=projection, text="Un levier resté sans suite")
    typed_row = factories.ProjectionRowFactory(section=section)
    factories.MainIrritantFactory(row=typed_row, text="Irritant saisi à la main")

    plan = factories.ActionPlanRowFactory(section=section)
    factories.AxisFactory(row=plan, source=lever, text="")
    factories.ActionFactory(row=plan, text="Recenser les familles sans connexion")
    factories.IndicatorFactory(row=plan, text="Nombre de familles équipées")
    orphan_plan = factories.ActionPlanRowFactory(section=section)
    factories.AxisFactory(row=orphan_plan, text="Un axe venu de nulle part")
    factories.ActionFactory(row=orphan_plan, text="Une action sans origine")
    return section


def trace_url(section):
    return reverse("board:traceability", args=[section.synthesis.slug, section.thematic.number])


def test_the_chain_leads_from_an_irritant_to_the_actions_and_indicators(chain):
    trace = traceability.build(chain)
    [node] = trace.linked
    assert node.irritant.text == "Zones blanches"
    [projection] = node.projections
    assert projection.main_irritant.display_text == "Zones blanches"
    assert [need.text for need in projection.needs] == ["Une connexion partout"]
    lever_node = projection.levers[0]
    assert lever_node.lever.text == "Cartographier les zones blanches"
    [axis] = lever_node.axes
    assert axis.axis.display_text == "Cartographier les zones blanches"
    assert [a.text for a in axis.actions] == ["Recenser les familles sans connexion"]
    assert [i.text for i in axis.indicators] == ["Nombre de familles équipées"]


def test_what_breaks_the_chain_is_listed(chain):
    trace = traceability.build(chain)
    assert [node.irritant.text for node in trace.dead_ends] == ["Trop d’outils différents"]
    assert [p.main_irritant.text for p in trace.typed] == ["Irritant saisi à la main"]
    assert [lever.text for _, lever in trace.unused_levers] == ["Un levier resté sans suite"]
    assert [node.axis.text for node in trace.orphan_axes] == ["Un axe venu de nulle part"]
    assert [a.text for a in trace.orphan_axes[0].actions] == ["Une action sans origine"]


def test_the_page_shows_the_chain_as_nested_lists_readable_without_colour(client, chain):
    client.force_login(factories.facilitator_of(chain.synthesis))
    response = client.get(trace_url(chain))
    assert response.status_code == 200
    html = response.content.decode()
    chains = html[html.index('id="trace-chains"') : html.index('id="trace-dead-ends"')]
    # The steps follow each other, nested, each named in words.
    steps = [
        "Irritant du diagnostic",
        "Zones blanches",
        "repris comme",
        "irritant principal",
        "Une connexion partout",
        "Cartographier les zones blanches",
        "axe (Quoi)",
        "Recenser les familles sans connexion",
        "Nombre de familles équipées",
    ]
    positions = [chains.index(step) for step in steps]
    assert positions == sorted(positions)
    assert chains.count("<ul") >= 4
    assert "Sans suite dans le plan d’action" in chains  # the second lever, in words
    dead_ends = html[html.index('id="trace-dead-ends"') : html.index('id="trace-typed"')]
    assert "Trop d’outils différents" in dead_ends and "Sans suite" in dead_ends
    assert "Zones blanches" not in dead_ends
    orphans = html[html.index('id="trace-orphans"') :]
    assert "Un axe venu de nulle part" in orphans and "Sans levier d’origine" in orphans
    assert "Une action sans origine" in orphans
    typed = html[html.index('id="trace-typed"') : html.index('id="trace-unused"')]
    assert "Irritant saisi à la main" in typed


def test_readers_see_the_traceability_and_strangers_do_not(client, chain):
    department = factories.DepartmentFactory(region=chain.synthesis.region)
    client.force_login(factories.ReferentMembershipFactory(department=department).user)
    assert client.get(trace_url(chain)).status_code == 200
    client.force_login(factories.UserFactory())
    assert client.get(trace_url(chain)).status_code == 404
    client.logout()
    assert client.get(trace_url(chain)).status_code == 302


def test_the_real_section_is_traced_with_a_constant_number_of_queries(
    demo_data, client, django_assert_max_num_queries
):
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    section = ThematicSection.objects.get(synthesis=synthesis, thematic__number=2)
    client.force_login(factories.facilitator_of(synthesis))
    url = trace_url(section)
    with django_assert_max_num_queries(TRACE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    trace = traceability.build(section)
    html = response.content.decode()
    counts = re.search(r"(\d+) irritants? au diagnostic, dont (\d+) repris", html)
    assert counts is not None
    assert int(counts[1]) == trace.irritant_count == 19
    assert int(counts[2]) == len(trace.linked)


def test_a_larger_section_is_traced_with_as_many_queries(client, django_assert_max_num_queries):
    section = factories.board_section(rows=20, statements=4)
    client.force_login(factories.facilitator_of(section.synthesis))
    url = trace_url(section)
    with django_assert_max_num_queries(TRACE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert len(traceability.build(section).linked) == 20
