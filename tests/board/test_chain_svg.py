"""The chain of a thematic section as an SVG picture (etatsgeneraux/board/chain_svg.py): on the
traceability page, beside its nested list, and in the PDF."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from actionplans.models import Action, Axis, Indicator
from etatsgeneraux.board import chain_svg, traceability
from etatsgeneraux.reports import pdf as reports
from tests import factories
from workshops.models import Irritant, Lever, MainIrritant, Need, Synthesis, ThematicSection

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "Zones <b>blanches</b> & « ]]> » \"quotes\" 'apostrophes' <script>alert(1)</script>"


@pytest.fixture
def chain():
    """One whole chain, a dead-end irritant, a lever without axis, a typed main irritant, an
    orphan axis and its action, and a row of actions without axis."""
    section = factories.ThematicSectionFactory(
        synthesis=factories.SynthesisFactory(status=Synthesis.Status.DRAFT),
        thematic=factories.ThematicFactory(number=2),
    )
    diagnostic = factories.DiagnosticRowFactory(section=section)
    linked = factories.IrritantFactory(row=diagnostic, text=HOSTILE)
    factories.IrritantFactory(row=diagnostic, text="Trop d’outils différents")

    projection = factories.ProjectionRowFactory(section=section)
    factories.MainIrritantFactory(row=projection, source=linked, text="")
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
    axisless = factories.ActionPlanRowFactory(section=section)
    factories.IndicatorFactory(row=axisless, text="Un indicateur sans axe")
    return section


def parse(svg):
    """The picture as XML: ET refuses anything that is not well-formed."""
    return ET.fromstring(str(svg))


def titles(root):
    """The full text of every box (each box's <title>)."""
    return [
        element.text for group in root.iter(f"{SVG}g") for element in group.findall(f"{SVG}title")
    ]


def shown_texts(section):
    """Every statement the chain shows: irritants, main irritants, needs, levers, axes,
    actions and indicators of the section, as displayed."""
    texts = []
    for model in (Irritant, MainIrritant, Need, Lever, Axis, Action, Indicator):
        for statement in model.objects.filter(row__section=section):
            texts.append(statement.display_text)
    return texts


def node(root, text):
    """The box (<g>) whose <title> is this text."""
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if title is not None and title.text == text:
            return group
    raise LookupError(text)


def visible_text(group):
    return " ".join("".join(text.itertext()) for text in group.iter(f"{SVG}text"))


def test_the_picture_is_well_formed_xml_with_every_statement(chain):
    svg = chain_svg.render(traceability.build(chain), title="Chaîne", description="Schéma")
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    boxes = titles(root)
    for text in shown_texts(chain):
        assert text in boxes, text
    # The irritant's text, written as is, is escaped, never markup.
    assert "<script>" not in str(svg)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in str(svg)
    assert HOSTILE in visible_text(node(root, HOSTILE)).replace("  ", " ") or HOSTILE in boxes


def test_the_picture_holds_no_script_no_handler_no_inline_style(chain):
    root = parse(chain_svg.render(traceability.build(chain), title="Chaîne", description="Schéma"))
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}foreignObject", f"{SVG}style")
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert name != "style"
            assert "javascript:" not in value.lower()
            if name == "href" or name.endswith("}href"):
                pytest.fail(f"a link in the picture: {value}")


def test_the_picture_is_an_image_named_and_described(chain):
    svg = chain_svg.render(
        traceability.build(chain), title="Chaîne : T2", description="Voir la liste", ident="x"
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "x-title x-desc"
    assert root.find(f"{SVG}title").get("id") == "x-title"
    assert root.find(f"{SVG}title").text == "Chaîne : T2"
    assert root.find(f"{SVG}desc").get("id") == "x-desc"
    assert root.find(f"{SVG}desc").text == "Voir la liste"


def test_dead_ends_and_chains_without_origin_are_marked(chain):
    root = parse(chain_svg.render(traceability.build(chain), title="C", description="D"))

    def classes(text):
        return node(root, text).get("class").split()

    dead_irritant = node(root, "Trop d’outils différents")
    assert "chain-node--dead-end" in dead_irritant.get("class").split()
    assert "✕ Sans suite" in visible_text(dead_irritant)
    dead_lever = node(root, "Un levier resté sans suite")
    assert "chain-node--dead-end" in dead_lever.get("class").split()
    assert "Sans suite dans le plan" in visible_text(dead_lever)
    # A dead end is drawn red and dashed.
    rect = dead_lever.find(f"{SVG}rect")
    assert rect.get("stroke") == chain_svg.DEAD_END and rect.get("stroke-dasharray")

    assert "chain-node--no-origin" in classes("Irritant saisi à la main")
    assert "Sans lien au diagnostic" in visible_text(node(root, "Irritant saisi à la main"))
    assert "chain-node--no-origin" in classes("Un axe venu de nulle part")
    assert "Sans axe" in str(
        chain_svg.render(traceability.build(chain), title="C", description="D")
    )

    for text in (HOSTILE, "Cartographier les zones blanches", "Une connexion partout"):
        assert "chain-node--dead-end" not in classes(text)
        assert "chain-node--no-origin" not in classes(text)


def test_lines_join_each_link_and_each_row(chain):
    root = parse(chain_svg.render(traceability.build(chain), title="C", description="D"))
    paths = list(root.iter(f"{SVG}path"))
    drawn = [path for path in paths if path.get("marker-end")]
    explicit = [path for path in drawn if path.get("stroke") == chain_svg.LINK]
    # irritant → main irritant, lever → axis
    assert len(explicit) == 2
    # linked main → its row, typed main → its row, two axes → their rows, and the axisless
    # row's « Sans axe » box → its row
    assert len(drawn) - len(explicit) == 5


def test_a_long_statement_is_wrapped_and_cut_with_its_whole_text_as_title(chain):
    long_text = " ".join(f"mot{number}" for number in range(400))
    factories.NeedFactory(row=chain.projection_rows.first(), text=long_text)
    root = parse(chain_svg.render(traceability.build(chain), title="C", description="D"))
    box = node(root, long_text)
    spans = [span.text for span in list(box.iter(f"{SVG}text"))[1]]
    assert 1 < len(spans) <= chain_svg.MAX_LINES
    assert spans[-1].endswith("…")
    width = chain_svg.COLUMN_WIDTH - 4 * chain_svg.PADDING
    assert all(chain_svg._text_width(span) <= width for span in spans)


def test_wrap_keeps_every_word_of_a_short_text_and_breaks_a_word_too_long():
    assert " ".join(chain_svg.wrap("Un énoncé court et simple", 80)) == (
        "Un énoncé court et simple"
    )
    lines = chain_svg.wrap("x" * 200, 100)
    assert all(chain_svg._text_width(line) <= 100 for line in lines)
    assert "".join(line.rstrip("-") for line in lines).startswith("x" * 60)


def test_an_empty_section_has_no_picture(db):
    section = factories.ThematicSectionFactory(
        synthesis=factories.SynthesisFactory(status=Synthesis.Status.DRAFT)
    )
    trace = traceability.build(section)
    assert chain_svg.render(trace, title="C", description="D") == ""
    assert chain_svg.render_pages(trace, title="C", description="D") == []


def test_the_pages_of_the_pdf_hold_every_box_once_and_each_fits_a_page(chain):
    for number in range(12):  # a projection row with many levers: taller than a page
        factories.LeverFactory(
            row=chain.projection_rows.first(), text=f"Levier numéro {number} " + "long " * 30
        )
    trace = traceability.build(chain)
    pages = chain_svg.render_pages(trace, title="C", description="D", max_height=500)
    assert len(pages) > 1
    seen = []
    for index, page in enumerate(pages, start=1):
        root = parse(page)
        height = float(root.get("viewBox").split()[3])
        assert height <= 500
        assert root.find(f"{SVG}title").text == f"C ({index}/{len(pages)})"
        seen += titles(root)
    whole = titles(parse(chain_svg.render(trace, title="C", description="D")))
    assert sorted(seen) == sorted(whole)  # every box on one page, and one only
    ids = [
        element.get("id") for page in pages for element in parse(page).iter() if element.get("id")
    ]
    assert len(ids) == len(set(ids))  # several pictures in one page: ids stay unique


# The traceability page ---------------------------------------------------------------------------


def trace_url(section):
    return reverse("board:traceability", args=[section.synthesis.slug, section.thematic.number])


def test_the_traceability_page_shows_the_picture_with_the_list_as_its_text_equivalent(chain):
    client = factories.logged_in(factories.facilitator_of(chain.synthesis))
    page = client.get(trace_url(chain)).content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    root = parse(svg)
    assert root.get("role") == "img"
    desc = root.find(f"{SVG}desc").text
    assert (
        "«\u00a0Chaînes issues du diagnostic\u00a0»" in desc
        or "Chaînes issues du diagnostic" in desc
    )
    assert 'href="#trace-chains"' in page
    assert 'id="trace-chains"' in page
    assert page.index("<svg") < page.index('id="trace-chains"')
    assert "<script>alert(1)</script>" not in page


def test_the_traceability_page_costs_no_more_queries_with_its_picture(
    demo_data, client, django_assert_max_num_queries
):
    from tests.board.test_traceability import TRACE_QUERIES

    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    client.force_login(factories.facilitator_of(regional))
    sections = ThematicSection.objects.filter(synthesis=regional).select_related(
        "synthesis", "thematic"
    )
    for section in sections:
        url = trace_url(section)
        with django_assert_max_num_queries(TRACE_QUERIES):
            response = client.get(url)
        assert response.status_code == 200
        assert 'class="chain-diagram"' in response.content.decode()


# The report ---------------------------------------------------------------------------------------


def test_each_thematic_report_draws_its_chain(regional):
    sections = list(regional.sections.select_related("thematic"))
    for section in sections:
        synthesis = Synthesis.objects.get(pk=regional.pk)
        report = reports.build_report(synthesis, None, thematic=section.thematic.number)
        [shown] = report.synthesis.report_sections
        assert shown.chain_svgs
        for svg in shown.chain_svgs:
            root = parse(svg)
            assert root.get("role") == "img"
            assert "tableaux de cette thématique" in root.find(f"{SVG}desc").text
        seen = {text for svg in shown.chain_svgs for text in titles(parse(svg))}
        for row in shown.diagnostic:
            for irritant in row.irritant_list:
                assert irritant.text in seen
        html = reports.render_html(report, for_pdf=True)
        assert html.count("Chaîne de traçabilité</h") == 1
        assert 'class="stage-title bm-2">Chaîne de traçabilité' in html


def test_the_whole_report_sums_each_chain_up_without_its_picture(regional):
    """WeasyPrint lays SVG text out letter by letter: the pictures of every thematic would
    triple the time of the whole synthesis's PDF; they are in each thematic's PDF."""
    report = reports.build_report(Synthesis.objects.get(pk=regional.pk), None)
    html = reports.render_html(report, for_pdf=True)
    assert "<svg" not in html
    sections = [
        section for item in (report.synthesis, *report.annexes) for section in item.report_sections
    ]
    assert html.count('class="stage chain chain--summary"') == len(sections)
    for section in sections:
        trace = section.chain
        assert f"{trace.irritant_count} irritant" in html
    assert "Le schéma de cette chaîne figure dans le PDF de la thématique." in html


@pytest.mark.slow
@pytest.mark.usefixtures("fresh_cache")
def test_the_pdf_prints_the_chain_of_a_thematic(regional, client):
    import io

    from pypdf import PdfReader

    section = regional.sections.select_related("thematic").order_by("position").last()
    response = client.get(
        reverse("reports:synthesis_pdf", args=[regional.slug]) + f"?thematique={section.position}",
        follow=True,
    )
    assert response.status_code == 200
    text = " ".join(
        page.extract_text() or ""
        for page in PdfReader(
            io.BytesIO(
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        ).pages
    )
    assert "Chaîne de traçabilité" in text
    assert "Irritants du diagnostic" in text
    assert "Sans suite" in text
