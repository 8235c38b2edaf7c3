"""The synthesis report: the HTML preview and the PDF, rendered for real with WeasyPrint."""

import io
import logging
import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from pypdf import PdfReader

from actionplans.models import Action, Axis
from etatsgeneraux.devtools.management.commands.bench_pdf import create_synthetic
from etatsgeneraux.exchange.documents import create_synthesis
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.reports import typeset
from tests import factories
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Irritant, Synthesis, ThematicSection

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REGIONAL = "pays-de-la-loire-2020"
VENDEE = "vendee-2020"
# Queries to build a whole report, whatever its size (one per table, plus the annexes and
# the participant categories).
REPORT_QUERIES = 24
# Queries to hash the content for the cache key: one per table.
KEY_QUERIES = 24


# Every PDF a test asks for is rendered (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("fresh_cache")


def whole_regional_pdf(test):
    """A test of the whole regional PDF (`regional_pdf`), rendered once per test process:
    slow, and run in the same process as the others (make test: pytest-xdist's loadgroup)."""
    return pytest.mark.slow(pytest.mark.xdist_group("regional-pdf")(test))


def squeeze(text):
    """Text without whitespace: the PDF wraps lines and turns spaces into non-breaking ones."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def outline(reader):
    """The bookmarks as (level, title, page number) triples."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def printed_statements(synthesis_slugs, thematic=None):
    """Every statement of these syntheses (or of one thematic), with the text printed."""
    report_statements = []
    for slug in synthesis_slugs:
        synthesis = Synthesis.objects.get(slug=slug)
        report = reports.build_report(synthesis, None, thematic=thematic)
        for section in report.synthesis.report_sections:
            for row in section.diagnostic:
                report_statements += row.irritant_list + row.strength_list
            for row in section.projections:
                report_statements += row.main_irritant_list + row.need_list + row.lever_list
            for row in section.action_plan:
                report_statements += (
                    row.axis_list
                    + row.action_list
                    + row.actor_list
                    + row.timing_list
                    + row.indicator_list
                )
    # As printed: typographic apostrophes and French spacing (the stored text is unchanged).
    return [statement.report_text for statement in report_statements]


@contextmanager
def renderer_warnings():
    """The warnings the renderers log meanwhile (Typst's for the reports, WeasyPrint's for
    the HTML documents: a stylesheet it cannot read, a missing image)."""
    messages = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    loggers = [logging.getLogger(name) for name in ("weasyprint", typeset.__name__)]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield messages
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@pytest.fixture(scope="module")
def regional_pdf(django_db_setup, django_db_blocker):
    """The real Pays de la Loire PDF, downloaded once by an anonymous visitor.

    Loads the shipped fixture (a missing fixture is an error, never a skip), downloads the
    PDF and keeps what the tests compare it with, then rolls everything back.
    """
    with django_db_blocker.unblock(), override_settings(CACHES=LOCMEM), transaction.atomic():
        call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)
        call_command("loaddata", DEMO_FIXTURE, verbosity=0)
        with renderer_warnings() as warnings:
            response = Client().get(reverse("reports:synthesis_pdf", args=[REGIONAL]))
        regional_synthesis = Synthesis.objects.get(slug=REGIONAL)
        data = SimpleNamespace(
            response=response,
            pdf=response.content,
            statements=printed_statements([REGIONAL, VENDEE]),
            regional_statements=printed_statements([REGIONAL]),
            # (canonical number, title) in the synthesis's order (README, « Numérotation »).
            sections=[
                (section.thematic.number, reports.french_spacing(section.display_title))
                for section in regional_synthesis.sections.select_related("thematic")
            ],
            vendee_sections=[
                (section.thematic.number, reports.french_spacing(section.display_title))
                for section in ThematicSection.objects.filter(synthesis__slug=VENDEE)
                .select_related("thematic")
                .order_by("position")
            ],
            links=list(
                regional_synthesis.retex_sheets.values_list("links__url", flat=True).exclude(
                    links__url=None
                )
            ),
            sessions=list(regional_synthesis.sessions.values_list("title", flat=True)),
            warnings=warnings,
        )
        transaction.set_rollback(True)
    data.reader = PdfReader(io.BytesIO(data.pdf))
    data.text = pdf_text(data.pdf)
    return data


def small_document(**overrides):
    document = {
        "slug": "petite-synthese",
        "title": "Petite synthèse",
        "year": 2020,
        "status": Synthesis.Status.PUBLISHED,
        "region": "pays-de-la-loire",
        "sessions": [
            {
                "title": "Séance académique",
                "dates_places": "Le lundi 12 octobre 2020",
                "format": "distanciel",
                "facilitators": [{"name": "Claire Martin", "role": "Chargée de mission DANE"}],
                "participations": [{"category": 7, "ticked": True, "participants": 24}],
            }
        ],
        "sections": [
            {
                "thematic": 1,
                "title": "Égal accès",
                "retex": [
                    {
                        "number": 1,
                        "origin": "Académie",
                        "title": "Des ordinateurs pour tous",
                        "links": ["https://example.org/retex/1"],
                    }
                ],
                "diagnostic": [
                    {
                        "retex": [1],
                        "irritants": ["Zones blanches", "Les impressions « papier » nécessaires"],
                        "strengths": [],
                    }
                ],
                "projections": [
                    {"main_irritants": ["Zones blanches"], "needs": [], "levers": ["Mutualiser"]}
                ],
                "action_plan": [
                    {
                        "axes": ["Mutualiser"],
                        "actions": [{"text": "Prêter du matériel", "emphasised": True}],
                        "actors": ["Collectivités"],
                        "horizon": "court",
                    }
                ],
            },
            {
                "thematic": 5,
                "title": "Gouvernance et anticipation",
                "diagnostic": [{"irritants": ["Difficulté de coordination des acteurs"]}],
            },
        ],
        "flagship_proposals": [{"title": "Plan de continuité", "effort": "moyen"}],
    }
    document.update(overrides)
    return document


@pytest.fixture
def small(reference_data):
    return create_synthesis(small_document())


def get_pdf(client, slug, **query):
    response = client.get(reverse("reports:synthesis_pdf", args=[slug]), query)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response


# The whole regional synthesis ---------------------------------------------------------------


@whole_regional_pdf
def test_the_pdf_of_the_regional_synthesis_holds_every_statement_of_the_fixture(regional_pdf):
    assert len(regional_pdf.statements) > 400
    text = squeeze(regional_pdf.text)
    missing = [s for s in regional_pdf.statements if squeeze(s) not in text]
    assert missing == []


@whole_regional_pdf
def test_the_pdf_renders_without_a_warning(regional_pdf):
    """A warning at every render fills the production logs."""
    assert regional_pdf.warnings == []


def test_the_pdf_downloads_as_an_attachment_named_after_the_synthesis(regional_pdf):
    assert regional_pdf.response["Content-Disposition"] == (
        'attachment; filename="synthese-pays-de-la-loire-2020.pdf"'
    )


@whole_regional_pdf
def test_the_pdf_has_a_bookmark_for_every_part_and_section_in_the_synthesis_order(regional_pdf):
    bookmarks = outline(regional_pdf.reader)
    top = [title for level, title, _ in bookmarks if level == 1]
    assert top == [
        "Sommaire",
        "Introduction",
        *[f"THÉMATIQUE N°{n}\xa0: {title}" for n, title in regional_pdf.sections],
        "Annexes\xa0: synthèses départementales",
    ]
    second = [title for level, title, _ in bookmarks if level == 2]
    assert second[: len(regional_pdf.sessions)] == regional_pdf.sessions
    stages = ["1. Retour d’expérience", "2. Projections", "3. Plan d’action"]
    assert second[len(regional_pdf.sessions) :] == stages * len(regional_pdf.sections) + [
        "Annexe 1\xa0: Synthèse départementale de la Vendée"
    ]
    # The annex as its source: one table per stage, every thematic in it.
    annex = [title for level, title, _ in bookmarks if level == 3]
    assert [title for title in annex if title in stages] == stages
    assert "Proposition phare\xa0: Plan de Continuité Pédagogique Numérique (PCPN)" in [
        title for level, title, _ in bookmarks if level == 4
    ]


@whole_regional_pdf
def test_the_table_of_contents_prints_the_page_each_bookmark_leads_to(regional_pdf):
    toc_page = regional_pdf.reader.pages[1].extract_text()
    bookmarks = {title: page for level, title, page in outline(regional_pdf.reader) if level == 1}
    for number, title in regional_pdf.sections:
        heading = f"Thématique N°{number}\xa0: {title}"
        line = next(line for line in toc_page.splitlines() if squeeze(heading) in squeeze(line))
        assert line.rstrip().endswith(str(bookmarks[f"THÉMATIQUE N°{number}\xa0: {title}"]))


@whole_regional_pdf
def test_every_page_but_the_cover_has_the_running_header_and_page_x_of_y(regional_pdf):
    pages = regional_pdf.reader.pages
    assert 20 <= len(pages) <= 45
    assert "page 1 /" not in pages[0].extract_text()
    for number, page in enumerate(pages[1:], start=2):
        text = page.extract_text()
        assert f"page {number} / {len(pages)}" in text
        assert "Pays de la Loire · Synthèse" in text


@whole_regional_pdf
def test_thematic_sections_are_printed_on_landscape_pages(regional_pdf):
    reader = regional_pdf.reader
    for _level, title, page in outline(reader):
        box = reader.pages[page - 1].mediabox
        if title.startswith("THÉMATIQUE"):
            assert box.width > box.height, title
        elif title in ("Sommaire", "Introduction"):
            assert box.width < box.height, title


@whole_regional_pdf
def test_retex_links_are_clickable_and_the_table_of_contents_links_inside(regional_pdf):
    uris, internal = set(), 0
    for page in regional_pdf.reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A") or {}
            if action.get("/S") == "/URI":
                uris.add(action["/URI"])
            elif annotation.get("/Dest") or action.get("/S") == "/GoTo":
                internal += 1
    assert set(regional_pdf.links) <= uris
    assert internal >= len(regional_pdf.sections)


@whole_regional_pdf
def test_the_pdf_metadata_names_the_synthesis_its_region_s_dane_and_french(regional_pdf):
    metadata = regional_pdf.reader.metadata
    assert metadata.title == "Synthèse régionale des États généraux du numérique en territoire"
    assert metadata.author == "DANE de la région académique Pays de la Loire"
    assert regional_pdf.reader.trailer["/Root"]["/Lang"] == "fr"


@whole_regional_pdf
def test_the_pdf_embeds_marianne_and_renders_french_typography(regional_pdf):
    fonts = set()
    for page in regional_pdf.reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(font["/BaseFont"].split("+")[-1].removesuffix("-Identity-H"))
    assert {"Marianne-Regular", "Marianne-Bold"} <= fonts
    for glyphs in ("«\xa0papier\xa0»", "œuvre", "État", "d’expérience", "…"):
        assert glyphs in regional_pdf.text


@whole_regional_pdf
def test_the_emphasis_sentence_appears_only_in_the_stages_with_emphasised_statements(regional_pdf):
    sentence = "Apparaissent en gras et en vert des actions particulièrement soulignées"
    # The fixture emphasises three statements, all in one action plan.
    assert squeeze(regional_pdf.text).count(squeeze(sentence)) == 1


# Variants -------------------------------------------------------------------------------------


def test_one_thematic_only_prints_that_section_and_no_other(demo_data, client):
    regional = Synthesis.objects.get(slug=REGIONAL)
    # Thematic 5 (« Gouvernance et anticipation »), third in this synthesis: named by its
    # canonical number everywhere (README, « Numérotation des thématiques »).
    third = regional.sections.get(thematic__number=5)
    assert third.position == 3
    response = client.get(reverse("reports:thematic_pdf", args=[REGIONAL, 5]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-thematique-5.pdf"')
    text = squeeze(pdf_text(response.content))
    assert squeeze(f"THÉMATIQUE N°5 : {third.display_title}") in text
    own = printed_statements([REGIONAL], thematic=5)
    assert own and all(squeeze(statement) in text for statement in own)
    own_texts = " ".join(own)
    # Short statements ("DANE") also appear on the cover: compare the longer ones.
    others = [s for s in printed_statements([REGIONAL]) if s not in own_texts and len(s) > 12]
    assert len(others) > 300
    assert not any(squeeze(other) in text for other in others)
    reader = PdfReader(io.BytesIO(response.content))
    assert [title for level, title, _ in outline(reader) if level == 1] == [
        f"THÉMATIQUE N°5\xa0: {third.display_title}"
    ]


def test_an_unknown_thematic_is_not_found(demo_data, client):
    url = reverse("reports:synthesis_pdf", args=[REGIONAL])
    assert client.get(url, {"thematique": 9}).status_code == 404
    assert client.get(url, {"thematique": "deux"}).status_code == 404
    assert client.get(reverse("reports:thematic_pdf", args=[REGIONAL, 9])).status_code == 404


@pytest.mark.slow
def test_a_department_s_synthesis_prints_alone_without_annexes(demo_data, client):
    text = squeeze(pdf_text(get_pdf(client, VENDEE).content))
    assert squeeze(printed_statements([VENDEE])[0]) in text
    assert squeeze("Annexes : synthèses départementales") not in text
    assert not any(squeeze(s) in text for s in printed_statements([REGIONAL])[:5])


def test_a_published_proposal_sheet_leaves_its_blank_fields_blank(small, client):
    url = reverse("reports:proposal_pdf", args=[small.slug, 1])
    response = client.get(url)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Plan de continuité" in text
    assert "À compléter" not in text
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert client.get(reverse("reports:proposal_pdf", args=[small.slug, 2])).status_code == 404


def test_the_preview_renders_the_same_content_as_html_with_a_download_link(small, client):
    response = client.get(reverse("reports:synthesis_preview", args=[small.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Télécharger le PDF" in html
    assert reverse("reports:synthesis_pdf", args=[small.slug]) in html
    assert "Les impressions «\xa0papier\xa0» nécessaires" in html
    assert '<li class="emphasised"><strong>Prêter du matériel</strong></li>' in html
    assert "THÉMATIQUE N°5&nbsp;:</span> Gouvernance et anticipation" in html


def test_empty_cells_stay_visible_and_empty_tables_keep_a_row(small, client):
    html = client.get(reverse("reports:synthesis_preview", args=[small.slug])).content.decode()
    plan = html.split("Plan d’action pour répondre aux besoins")[1].split("</table>")[0]
    # The first section's plan row has no indicator: its cell is there, empty.
    assert len(re.findall(r"<td>\s*</td>", plan)) == 1
    second_plan = html.split("Plan d’action pour répondre aux besoins")[2].split("</table>")[0]
    assert (
        '<tr class="grid__empty"><td></td><td></td><td></td><td></td><td></td><td></td></tr>'
        in (second_plan)
    )


def test_the_emphasis_sentence_is_left_out_where_nothing_is_emphasised(small, client):
    html = client.get(reverse("reports:synthesis_preview", args=[small.slug])).content.decode()
    assert html.count("Apparaissent en gras et en vert") == 1
    second = html.split("THÉMATIQUE N°5")[1]
    assert "Apparaissent en gras et en vert" not in second


def test_linked_statements_print_the_statement_they_point_to(small, client):
    irritant = Irritant.objects.get(text="Zones blanches")
    irritant.text = "Zones blanches (réseau mobile)"
    irritant.save()
    html = client.get(reverse("reports:synthesis_preview", args=[small.slug])).content.decode()
    projections = html.split("Synthèse des besoins &amp; axes d’amélioration")[1]
    assert "Zones blanches (réseau mobile)" in projections.split("</table>")[0]


# Cache ------------------------------------------------------------------------------------


def test_an_unchanged_synthesis_is_served_from_the_cache_and_an_edit_invalidates_it(small):
    def report():
        return reports.build_report(Synthesis.objects.get(pk=small.pk), AnonymousUser())

    first = reports.report_pdf(report())
    again = reports.report_pdf(report())
    assert not first.from_cache
    assert again.from_cache
    assert again.pdf == first.pdf

    action = Action.objects.get(text="Prêter du matériel")
    action.text = "Prêter du matériel et une connexion"
    action.save()
    edited = reports.report_pdf(report())
    assert not edited.from_cache
    assert squeeze("Prêter du matériel et une connexion") in squeeze(pdf_text(edited.pdf))


@pytest.mark.slow
def test_the_download_carries_an_etag_and_answers_304_when_unchanged(small, client):
    url = reverse("reports:synthesis_pdf", args=[small.slug])
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    Axis.objects.filter(row__section__synthesis=small).update(emphasised=True)
    assert client.get(url)["ETag"] != etag


# Queries ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_report_is_built_with_a_constant_number_of_queries(
    demo_data, django_assert_max_num_queries
):
    def load(**lookup):
        return Synthesis.objects.select_related("region", "department", "parent").get(**lookup)

    synthesis = load(slug=REGIONAL)
    with django_assert_max_num_queries(REPORT_QUERIES):
        report = reports.build_report(synthesis, AnonymousUser())
        reports.render_html(report, for_pdf=True)
    large, statements = create_synthetic(4670, slug="dix-fois")
    assert statements > 4000
    synthesis = load(pk=large.pk)
    with django_assert_max_num_queries(REPORT_QUERIES):
        report = reports.build_report(synthesis, AnonymousUser())
        html = reports.render_html(report, for_pdf=True)
    assert len(report.annexes) == 2
    assert html.count("<li") > 4000


@pytest.mark.slow
def test_the_cache_key_hashes_the_content_with_a_constant_number_of_queries(
    demo_data, django_assert_max_num_queries
):
    regional = Synthesis.objects.get(slug=REGIONAL)
    large, _ = create_synthetic(4670, slug="dix-fois")
    for synthesis in (regional, large):
        syntheses = reports.report_syntheses(synthesis, AnonymousUser())
        with django_assert_max_num_queries(KEY_QUERIES):
            key = reports.pdf_key(syntheses)
        assert key == reports.pdf_key(syntheses)
        assert key != reports.pdf_key(syntheses, thematic=1)


def test_the_preview_view_runs_a_constant_number_of_queries(
    reference_data, client, django_assert_max_num_queries
):
    small_one = create_synthesis(small_document())
    large, _ = create_synthetic(1500, slug="grande")
    for synthesis in (small_one, large):
        # + the session, and the published versions its reader would read instead
        with django_assert_max_num_queries(REPORT_QUERIES + 2):
            response = client.get(reverse("reports:synthesis_preview", args=[synthesis.slug]))
        assert response.status_code == 200


@pytest.mark.slow
def test_a_cached_download_runs_a_constant_number_of_queries_and_renders_nothing(
    reference_data,
    client,
    django_assert_max_num_queries,
    immediate_jobs,
    django_capture_on_commit_callbacks,
):
    large, _ = create_synthetic(1500, slug="grande")
    url = reverse("reports:synthesis_pdf", args=[large.slug])
    # Too large for a request: rendered by a background job (here in the test's process).
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 302
    first = client.get(url)
    assert first["Content-Type"] == "application/pdf"
    # The synthesis, its annexes, the published versions its reader would read instead, then
    # one query per table for the key.
    with django_assert_max_num_queries(KEY_QUERIES + 3):
        again = client.get(url)
    assert again.content == first.content


# Permissions ----------------------------------------------------------------------------------


@pytest.fixture
def draft(reference_data):
    return create_synthesis(small_document(slug="brouillon", status=Synthesis.Status.DRAFT))


def test_anonymous_visitors_download_the_pdf_of_a_published_synthesis(small, client):
    get_pdf(client, small.slug)


def test_anonymous_visitors_asking_for_a_draft_are_sent_to_log_in(draft, client):
    for name in ("synthesis_pdf", "synthesis_preview"):
        response = client.get(reverse(f"reports:{name}", args=[draft.slug]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.get(reverse("reports:proposal_pdf", args=[draft.slug, 1]))
    assert response.status_code == 302


def test_a_facilitator_of_the_region_reads_the_draft_with_its_watermark(draft, client):
    user = factories.FacilitatorMembershipFactory(region=draft.region).user
    client.force_login(user)
    text = pdf_text(get_pdf(client, draft.slug).content)
    assert "Brouillon – document de travail" in text
    assert get_pdf(client, draft.slug)["Cache-Control"] == "private, no-cache"


def test_a_draft_proposal_sheet_prints_to_be_completed_in_its_blank_fields(draft, client):
    client.force_login(factories.FacilitatorMembershipFactory(region=draft.region).user)
    response = client.get(reverse("reports:proposal_pdf", args=[draft.slug, 1]))
    # Summary, five impacts and territory lines, referent, three means, difficulties, needs.
    assert pdf_text(response.content).count("À compléter") >= 12


def test_a_logged_in_user_without_a_role_on_the_territory_cannot_read_a_draft(draft, client):
    client.force_login(factories.UserFactory())
    response = client.get(reverse("reports:synthesis_pdf", args=[draft.slug]))
    assert response.status_code == 404


@pytest.mark.slow
def test_a_draft_annex_is_left_out_of_the_regional_pdf_for_anonymous_visitors(
    reference_data, client
):
    regional = create_synthesis(small_document())
    annex = create_synthesis(
        small_document(
            slug="annexe-brouillon",
            title="Annexe encore en brouillon",
            department="85",
            parent=regional.slug,
            status=Synthesis.Status.DRAFT,
        )
    )
    anonymous = pdf_text(get_pdf(client, regional.slug).content)
    assert annex.title not in anonymous
    client.force_login(factories.UserFactory(is_staff=True))
    assert annex.title in pdf_text(get_pdf(client, regional.slug).content)


def test_the_home_page_lists_what_the_visitor_may_read_with_preview_and_pdf_links(draft, client):
    published = create_synthesis(small_document(slug="publiee", title="Synthèse publiée"))
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html
    assert published.title in html and draft.title not in html
    assert reverse("reports:synthesis_preview", args=[published.slug]) in html
    assert reverse("reports:synthesis_pdf", args=[published.slug]) in html
    assert "Aperçu" in html and "Télécharger le PDF" in html
    client.force_login(factories.UserFactory(is_staff=True))
    html = client.get("/").content.decode()
    assert draft.title in html


# Command line -------------------------------------------------------------------------------


def test_export_synthesis_pdf_writes_the_file_and_prints_pages_and_time(small, tmp_path):
    output = tmp_path / "synthese.pdf"
    stdout = io.StringIO()
    call_command("export_synthesis_pdf", small.slug, "--output", str(output), stdout=stdout)
    pages = len(PdfReader(output).pages)
    assert re.fullmatch(
        rf"PDF écrit : {re.escape(str(output))} – {pages} pages en \d+,\d\d s\n", stdout.getvalue()
    )
    call_command(
        "export_synthesis_pdf", small.slug, "-o", str(output), "--thematique", "5", stdout=stdout
    )
    assert "Gouvernance et anticipation" in pdf_text(output.read_bytes())


def test_proposal_zero_is_not_the_whole_synthesis_even_once_it_is_cached(client, demo_data):
    slug = "vendee-2020"  # no annexes: its whole report and a proposal hash the same rows
    assert client.get(reverse("reports:synthesis_pdf", args=[slug])).status_code == 200
    response = client.get(reverse("reports:proposal_pdf", args=[slug, 0]))
    assert response.status_code == 404
