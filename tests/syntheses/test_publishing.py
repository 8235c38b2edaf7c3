"""Publishing on purpose: readers read the last published version of a synthesis (page,
preview, PDF) while its facilitators work on the next; « Publier les modifications » makes
the working version public; every published version stays downloadable, dated.

The tests work on the shipped Vendée annex (tests/syntheses/conftest.py): published, without
any version yet (its first version is written when a transaction that publishes it commits,
which a test's transaction never does: `first_version` publishes it as that would).
"""

import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from etatsgeneraux.publishing import versions as publishing
from etatsgeneraux.reports import pdf as reports
from tests import factories
from tests.factories import logged_in
from workshops.changes import changing
from workshops.fixtures import DEMO_FIXTURE, DEMO_SLUGS
from workshops.models import Irritant, Need, PublishedVersion, Strength, Synthesis

NBSP = "\u00a0"
EDITED = "Point fort récrit après la publication"


def text_of(response):
    text = unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


def pdf_text(content):
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


def detail_url(synthesis):
    return reverse("syntheses:detail", args=[synthesis.slug])


def publish_url(synthesis):
    return reverse("publishing:publish", args=[synthesis.slug])


def pdf_url(synthesis):
    return reverse("reports:synthesis_pdf", args=[synthesis.slug])


def preview_url(synthesis):
    return reverse("reports:synthesis_preview", args=[synthesis.slug])


def first_strength(synthesis):
    """The first strength of the diagnostic (a statement the chain diagram does not show)."""
    return (
        Strength.objects.filter(row__section__synthesis=synthesis)
        .order_by("row__section__position", "row__position", "position")
        .first()
    )


def edit(synthesis, statement, text):
    """A facilitator's edit, as the board writes it (through `changing`)."""
    with changing(synthesis):
        statement.text = text
        statement.save()


@pytest.fixture
def first_version(vendee):
    """The version written when the Vendée annex became published."""
    return publishing.publish_on_status_change(vendee.pk)


@pytest.fixture
def anonymous(client):
    return client


# Readers stay on the published version -------------------------------------------------------


def test_a_reader_s_page_does_not_show_an_edit_made_after_publication_until_publier(
    vendee, first_version, facilitator, referent, anonymous
):
    strength = first_strength(vendee)
    original = reports.french_spacing(strength.text)  # as printed: typographic apostrophes
    edit(vendee, strength, EDITED)

    for reader in (anonymous, logged_in(referent)):
        page = text_of(reader.get(detail_url(vendee)))
        assert "Version n° 1, publiée le" in page
        assert "Modifications non publiées" not in page
        assert "Publier les modifications" not in page
        preview = text_of(reader.get(preview_url(vendee)))
        assert EDITED not in preview and original in preview
        assert "Version de travail" not in preview

    client = logged_in(facilitator)
    page = text_of(client.get(detail_url(vendee)))
    assert "Modifications non publiées" in page
    assert "Publier les modifications" in page
    working = text_of(client.get(preview_url(vendee)))
    assert EDITED in working
    assert "Version de travail : elle contient des modifications" in working

    confirmation = client.get(publish_url(vendee))
    assert confirmation.status_code == 200
    assert "Retour d’expérience et diagnostic : 1 énoncé modifié" in text_of(confirmation)
    response = client.post(publish_url(vendee))
    assert response.status_code == 302
    assert response["Location"] == detail_url(vendee) + "#versions"

    for reader in (anonymous, logged_in(referent)):
        page = text_of(reader.get(detail_url(vendee)))
        assert "Version n° 2, publiée le" in page
        preview = text_of(reader.get(preview_url(vendee)))
        assert EDITED in preview and original not in preview
    assert "Modifications non publiées" not in text_of(client.get(detail_url(vendee)))


def test_the_synthesis_page_of_a_reader_counts_the_published_version(
    vendee, first_version, anonymous
):
    row = first_strength(vendee).row
    before = text_of(anonymous.get(detail_url(vendee)))
    with changing(vendee, lock=True):
        factories.IrritantFactory(row=row, text="Un irritant de plus")
        factories.StrengthFactory(row=row, text="Un point fort de plus")
    assert text_of(anonymous.get(detail_url(vendee))) == before


@pytest.mark.slow
@pytest.mark.usefixtures("fresh_cache")
def test_a_reader_s_pdf_does_not_show_an_edit_made_after_publication_until_publier(
    vendee, first_version, facilitator, referent, anonymous
):
    strength = first_strength(vendee)
    original = reports.french_spacing(strength.text)  # as printed: typographic apostrophes
    edit(vendee, strength, EDITED)
    assert EDITED not in original

    for reader in (anonymous, logged_in(referent)):
        text = pdf_text(reader.get(pdf_url(vendee)).content)
        assert original in text and EDITED not in text
    working = pdf_text(logged_in(facilitator).get(pdf_url(vendee)).content)
    assert EDITED in working
    assert "modifications non publiées" in working

    assert logged_in(facilitator).post(publish_url(vendee)).status_code == 302
    for reader in (anonymous, logged_in(referent)):
        text = pdf_text(reader.get(pdf_url(vendee)).content)
        assert EDITED in text and original not in text
        assert "n° 2, publiée le" in text


def test_a_published_version_prints_exactly_as_the_synthesis_did(regional, vendee):
    """Rendered from the stored document with the same templates: the same HTML, but for the
    cover's version line. (A report loads onto the synthesis it gets: a fresh one each time.)"""

    def rendered(thematic=None, versions=None):
        synthesis = Synthesis.objects.get(pk=regional.pk)
        report = reports.build_report(synthesis, None, thematic=thematic, versions=versions)
        return reports.render_html(report, for_pdf=True)

    live = {thematic: rendered(thematic) for thematic in (None, 1, 3)}
    versions = {s.pk: publishing.publish(s) for s in (regional, vendee)}
    version_line = re.compile(r"<div><dt>Version</dt><dd>[^<]*</dd></div>")
    for thematic, html in live.items():
        shown = rendered(thematic, versions)
        assert version_line.search(shown)
        assert version_line.sub("", shown) == html
    assert "Annexe 1" in live[None]


def test_a_proposal_sheet_of_a_reader_is_the_published_one(vendee, first_version, anonymous):
    proposal = vendee.flagship_proposals.get()
    with changing(vendee):
        proposal.title = "Titre changé après la publication"
        proposal.save()
    url = reverse("reports:proposal_preview", args=[vendee.slug, proposal.position])
    page = text_of(anonymous.get(url))
    assert "Titre changé après la publication" not in page
    assert "Plan de Continuité Pédagogique Numérique" in page


# Versions stay downloadable, dated ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("fresh_cache")
def test_earlier_versions_stay_downloadable_and_dated(
    vendee, first_version, facilitator, anonymous
):
    strength = first_strength(vendee)
    original = reports.french_spacing(strength.text)  # as printed: typographic apostrophes
    edit(vendee, strength, EDITED)
    second = publishing.publish(vendee, facilitator)
    assert second.number == 2

    page = anonymous.get(detail_url(vendee)).content.decode()
    for number in (1, 2):
        assert reverse("reports:version_pdf", args=[vendee.slug, number]) in page
    assert "Versions publiées" in text_of(anonymous.get(detail_url(vendee)))
    # The day as the page shows it, in the site's time zone (the UTC day differs after
    # 23:00 UTC in winter).
    published = timezone.localtime(first_version.published_at)
    assert f"Publiée le {published:%-d}" in text_of(anonymous.get(detail_url(vendee)))

    old = anonymous.get(reverse("reports:version_pdf", args=[vendee.slug, 1]))
    assert old.status_code == 200
    assert old["Content-Disposition"].endswith('synthese-vendee-2020-version-1.pdf"')
    old_text = pdf_text(old.content)
    assert original in old_text and EDITED not in old_text
    assert "n° 1, publiée le" in old_text
    new_text = pdf_text(
        anonymous.get(reverse("reports:version_pdf", args=[vendee.slug, 2])).content
    )
    assert EDITED in new_text and original not in new_text
    missing = anonymous.get(reverse("reports:version_pdf", args=[vendee.slug, 3]))
    assert missing.status_code == 404


def test_the_versions_list_names_who_published_only_to_those_who_edit(
    vendee, first_version, facilitator, anonymous
):
    facilitator.first_name, facilitator.last_name = "Claire", "Martin"
    facilitator.save()
    edit(vendee, first_strength(vendee), EDITED)
    publishing.publish(vendee, facilitator)
    assert "par Claire Martin" in text_of(logged_in(facilitator).get(detail_url(vendee)))
    assert "Claire Martin" not in text_of(anonymous.get(detail_url(vendee)))


# Rights ---------------------------------------------------------------------------------------


def test_a_referent_may_not_publish(vendee, first_version, referent):
    edit(vendee, first_strength(vendee), EDITED)
    client = logged_in(referent)
    assert client.get(publish_url(vendee)).status_code == 403
    assert client.post(publish_url(vendee)).status_code == 403
    assert PublishedVersion.objects.filter(synthesis=vendee).count() == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page(vendee, first_version, anonymous):
    for method in (anonymous.get, anonymous.post):
        response = method(publish_url(vendee))
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/connexion/")
    assert PublishedVersion.objects.filter(synthesis=vendee).count() == 1


def test_a_facilitator_of_another_region_gets_a_404_for_a_draft_and_a_403_otherwise(
    vendee, first_version
):
    other = factories.FacilitatorMembershipFactory().user
    assert logged_in(other).post(publish_url(vendee)).status_code == 403
    Synthesis.objects.filter(pk=vendee.pk).update(status=Synthesis.Status.DRAFT)
    assert logged_in(other).post(publish_url(vendee)).status_code == 404


def test_publishing_needs_csrf(vendee, first_version, facilitator):
    edit(vendee, first_strength(vendee), EDITED)
    client = logged_in(facilitator, enforce_csrf_checks=True)
    assert client.post(publish_url(vendee)).status_code == 403
    assert PublishedVersion.objects.filter(synthesis=vendee).count() == 1


def test_a_draft_is_not_published_from_the_workspace(vendee, facilitator, referent):
    Synthesis.objects.filter(pk=vendee.pk).update(status=Synthesis.Status.DRAFT)
    client = logged_in(facilitator)
    response = client.get(publish_url(vendee), follow=True)
    assert "se publie depuis l’administration" in text_of(response)
    response = client.post(publish_url(vendee))
    assert response.status_code == 409
    assert "brouillon" in text_of(response)
    assert not PublishedVersion.objects.filter(synthesis=vendee).exists()
    # A draft is read as it is written, by its referents too.
    edit(vendee, first_strength(vendee), EDITED)
    assert EDITED in text_of(logged_in(referent).get(preview_url(vendee)))


def test_an_archived_synthesis_is_not_published(vendee, first_version, facilitator):
    edit(vendee, first_strength(vendee), EDITED)
    vendee.archive(facilitator)
    response = logged_in(facilitator).post(publish_url(vendee))
    assert response.status_code == 403
    assert PublishedVersion.objects.filter(synthesis=vendee).count() == 1


def test_nothing_to_publish_is_refused_with_a_409(vendee, first_version, facilitator):
    client = logged_in(facilitator)
    page = text_of(client.get(publish_url(vendee)))
    assert "la version de travail est identique à la version publiée" in page
    response = client.post(publish_url(vendee))
    assert response.status_code == 409
    assert "Rien à publier" in text_of(response)
    assert PublishedVersion.objects.filter(synthesis=vendee).count() == 1


def test_publishing_moves_no_date_of_change_and_writes_no_history(vendee, first_version):
    strength = first_strength(vendee)
    edit(vendee, strength, EDITED)
    vendee.refresh_from_db()
    changed_at = vendee.updated_at
    records = strength.history.count()
    publishing.publish(vendee)
    vendee.refresh_from_db()
    assert vendee.updated_at == changed_at
    assert strength.history.count() == records


# The first version ----------------------------------------------------------------------------


@pytest.fixture
def draft(db):
    return factories.SynthesisFactory(status=Synthesis.Status.DRAFT)


def test_a_synthesis_becoming_published_gets_its_first_version_at_commit(
    draft, django_capture_on_commit_callbacks
):
    synthesis = draft
    section = factories.board_section(rows=1, statements=2, synthesis=synthesis)
    assert synthesis.status == Synthesis.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        synthesis.status = Synthesis.Status.PUBLISHED
        synthesis.save()
    version = PublishedVersion.objects.get(synthesis=synthesis)
    assert version.number == 1 and version.summary["first"]
    texts = [
        item["text"]
        for row in version.document["content"]["sections"][0]["diagnostic"]
        for item in row["irritants"]
    ]
    assert texts == list(
        Irritant.objects.filter(row__section=section)
        .order_by("row__position", "position")
        .values_list("text", flat=True)
    )
    # Saving it again (still published) writes no other version.
    with django_capture_on_commit_callbacks(execute=True):
        synthesis.title = "Nouveau titre"
        synthesis.save()
    assert PublishedVersion.objects.filter(synthesis=synthesis).count() == 1


def test_back_to_draft_then_published_again_publishes_what_changed(
    draft, django_capture_on_commit_callbacks
):
    synthesis = draft
    section = factories.board_section(rows=1, statements=1, synthesis=synthesis)
    with django_capture_on_commit_callbacks(execute=True):
        synthesis.status = Synthesis.Status.PUBLISHED
        synthesis.save()
    with django_capture_on_commit_callbacks(execute=True):
        synthesis.status = Synthesis.Status.DRAFT
        synthesis.save()
    factories.NeedFactory(row=section.projection_rows.get(), text="Un besoin de plus")
    with django_capture_on_commit_callbacks(execute=True):
        synthesis.status = Synthesis.Status.PUBLISHED
        synthesis.save()
    versions = list(PublishedVersion.objects.filter(synthesis=synthesis).order_by("number"))
    assert [version.number for version in versions] == [1, 2]
    stage = versions[1].summary["sections"][0]["stages"][0]
    assert (stage["stage"], stage["added"]) == ("projections", 1)


def test_make_run_shows_the_shipped_synthesis_to_visitors_as_its_first_version(
    reference_data, settings, client, django_capture_on_commit_callbacks
):
    """`setup_demo` loads the shipped fixtures in one transaction: at its commit, each
    published synthesis gets its first version, which visitors then read."""
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("setup_demo", stdout=io.StringIO())
    assert DEMO_FIXTURE
    for slug in DEMO_SLUGS:
        synthesis = Synthesis.objects.get(slug=slug)
        version = PublishedVersion.objects.get(synthesis=synthesis)
        assert version.number == 1 and version.published_by is None
        page = text_of(client.get(detail_url(synthesis)))
        assert "Version n° 1, publiée le" in page
    regional = Synthesis.objects.get(slug=DEMO_SLUGS[0])
    preview = text_of(client.get(preview_url(regional)))
    assert "Gouvernance et anticipation" in preview


# What changed -----------------------------------------------------------------------------------


def test_the_summary_counts_statements_added_changed_and_removed_per_thematic_and_stage(
    vendee, facilitator
):
    row = first_strength(vendee).row  # its irritants are all linked: new ones, unlinked
    irritants = [
        factories.IrritantFactory(row=row, text=f"Irritant ajouté n°{number}")
        for number in (1, 2, 3)
    ]
    publishing.publish(vendee)
    edit(vendee, irritants[0], EDITED)  # changed
    with changing(vendee):
        irritants[2].emphasised = not irritants[2].emphasised  # changed (emphasis)
        irritants[2].save()
        irritants[1].delete()  # removed
        factories.IrritantFactory(row=irritants[0].row, text="Tout nouvel irritant")  # added
        need = Need.objects.filter(row__section__synthesis=vendee).order_by("pk").first()
        need.delete()
    preview = publishing.preview(vendee)
    sections = preview.summary["sections"]
    diagnostic = {
        (section["thematic"], stage["stage"]): stage
        for section in sections
        for stage in section["stages"]
    }
    thematic = irritants[0].row.section.thematic.number
    counts = diagnostic[(thematic, "diagnostic")]
    assert (counts["added"], counts["changed"], counts["removed"]) == (1, 2, 1)
    projections = diagnostic[(need.row.section.thematic.number, "projections")]
    assert (projections["added"], projections["changed"], projections["removed"]) == (0, 0, 1)

    page = text_of(logged_in(facilitator).get(publish_url(vendee)))
    assert "Retour d’expérience et diagnostic : 1 énoncé ajouté, 2 modifiés, 1 supprimé" in page
    assert "Projections : 1 énoncé supprimé" in page

    version = publishing.publish(vendee, facilitator)
    assert version.summary == preview.summary
    listed = text_of(logged_in(facilitator).get(detail_url(vendee)))
    assert "Ce qui a changé dans la version n° 2" in listed


def test_a_moved_statement_is_not_counted(vendee):
    row = first_strength(vendee).row
    factories.StrengthFactory(row=row, text="Un deuxième point fort")
    publishing.publish(vendee)
    first, second = list(row.strengths.order_by("position")[:2])
    with changing(vendee):
        Strength.objects.filter(pk=first.pk).update(position=999)
        Strength.objects.filter(pk=second.pk).update(position=first.position)
        Strength.objects.filter(pk=first.pk).update(position=second.position)
    preview = publishing.preview(vendee)
    assert not preview.unchanged
    assert preview.summary["sections"] == []
    assert publishing.describe(preview.summary) == []


def test_other_changes_are_told_in_words(vendee, first_version):
    proposal = vendee.flagship_proposals.get()
    with changing(vendee):
        proposal.summary = "Un autre résumé"
        proposal.save()
        factories.FlagshipProposalFactory(synthesis=vendee, title="Une deuxième proposition")
    other = publishing.preview(vendee).summary["other"]
    assert other == [f"Propositions phares{NBSP}: 1{NBSP}ajoutée, 1{NBSP}modifiée."]


# Cost ---------------------------------------------------------------------------------------------


def test_the_page_of_a_published_version_runs_a_constant_number_of_queries(
    regional, anonymous, django_assert_max_num_queries
):
    publishing.publish(regional)
    # session, synthesis, versions, the version's document, thematics, categories (twice:
    # the version's and the page's), annexes
    with django_assert_max_num_queries(10):
        response = anonymous.get(detail_url(regional))
    assert response.status_code == 200
    assert "Version n° 1, publiée le" in text_of(response)


def test_a_reader_reads_the_title_as_published(vendee, first_version, facilitator, anonymous):
    Synthesis.objects.filter(pk=vendee.pk).update(title="Titre retouché après la publication")
    page = text_of(anonymous.get(detail_url(vendee)))
    assert "Synthèse départementale de la Vendée" in page
    assert "Titre retouché" not in page
    assert "Titre retouché" in text_of(logged_in(facilitator).get(detail_url(vendee)))
