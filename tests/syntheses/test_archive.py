"""Archiving a synthesis (soft delete): hidden, read-only, restorable; only administrators purge."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import get_resolver, reverse

from etatsgeneraux.board import editing
from etatsgeneraux.exchange import importing
from etatsgeneraux.exchange.fixtures import CONTENT_MODELS
from etatsgeneraux.exchange.importing import import_synthesis
from etatsgeneraux.reports import pdf as reports
from tests import factories
from tests.factories import logged_in
from workshops.models import DiagnosticRow, Irritant, Region, Synthesis

pytestmark = pytest.mark.django_db

REGIONAL = "pays-de-la-loire-2020"
VENDEE = "vendee-2020"
NBSP = "\u00a0"
HTMX = {"HTTP_HX_REQUEST": "true"}


def text_of(response):
    """The page's text, tags removed and spaces squeezed."""
    text = unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


URL_NAMES = {
    "synthesis_detail": "syntheses:detail",
    "synthesis_archive": "syntheses:archive",
    "synthesis_unarchive": "syntheses:unarchive",
    "synthesis_pdf": "reports:synthesis_pdf",
    "synthesis_preview": "reports:synthesis_preview",
    "introduction_edit": "workshops:introduction_edit",
}


def url(name, slug=VENDEE):
    return reverse(URL_NAMES[name], args=[slug])


def contents():
    """How many rows each content model and the syntheses hold: archiving deletes nothing."""
    models = [Synthesis, *(model for model, _ in CONTENT_MODELS)]
    return {model._meta.label: model.objects.count() for model in models}


@pytest.fixture
def archived(vendee, facilitator):
    vendee.archive(facilitator)
    return Synthesis.objects.get(pk=vendee.pk)


# Archiving from the synthesis page -----------------------------------------------------------


def test_a_facilitator_archives_an_annex_from_its_page_after_a_confirmation(vendee, facilitator):
    client = logged_in(facilitator, enforce_csrf_checks=True)
    before, updated_at = contents(), vendee.updated_at
    page = client.get(url("synthesis_detail"))
    assert url("synthesis_archive") in page.content.decode()

    confirmation = client.get(url("synthesis_archive"))
    assert confirmation.status_code == 200
    assert f"Archiver la synthèse « {vendee.title} » ?" in text_of(confirmation)
    assert "Rien n’est supprimé" in text_of(confirmation)
    assert Synthesis.objects.get(pk=vendee.pk).archived_at is None  # a GET changes nothing
    assert client.post(url("synthesis_archive")).status_code == 403  # no CSRF token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirmation.content.decode())

    response = client.post(url("synthesis_archive"), {"csrfmiddlewaretoken": token.group(1)})

    assert response.status_code == 302 and response["Location"] == reverse("syntheses:home")
    vendee.refresh_from_db()
    assert vendee.archived_at is not None and vendee.archived_by == facilitator
    assert vendee.updated_at == updated_at  # the content did not change
    assert contents() == before
    dashboard = text_of(client.get("/"))
    assert f"La synthèse « {vendee.title} » est archivée : rien n’est supprimé." in dashboard


def test_an_archived_annex_is_hidden_from_the_public_the_referents_and_the_regional_report(
    archived, regional, referent, facilitator
):
    anonymous = Client()
    assert anonymous.get(url("synthesis_detail")).status_code == 302  # to the login page
    assert archived.title not in text_of(anonymous.get("/"))
    assert archived not in Synthesis.objects.visible_to(AnonymousUser())

    reader = logged_in(referent)
    assert reader.get(url("synthesis_detail")).status_code == 404
    assert reader.get(url("synthesis_pdf")).status_code == 404
    assert archived.title not in text_of(reader.get("/"))

    for user in (referent, facilitator, factories.UserFactory(is_staff=True)):
        client = logged_in(user)
        regional_page = client.get(url("synthesis_detail", REGIONAL)).content.decode()
        assert url("synthesis_detail") not in regional_page and "Annexes départementales" not in (
            regional_page
        )
        assert reports.report_syntheses(regional, user) == [regional]  # the PDF's syntheses
        preview = text_of(client.get(url("synthesis_preview", REGIONAL)))
        assert archived.title not in preview
    assert reports.report_syntheses(regional, None) == [regional]  # the command line


def test_its_editors_still_read_it_in_the_archived_list_and_read_only(archived, facilitator):
    client = logged_in(facilitator)
    dashboard = client.get("/").content.decode()
    main, archived_list = dashboard.split('id="archivees"')
    assert archived.title not in main
    assert archived.title in archived_list and url("synthesis_unarchive") in archived_list
    assert f"par {facilitator.username}" in text_of(client.get("/"))

    page = client.get(url("synthesis_detail"))
    assert page.status_code == 200
    text = text_of(page)
    assert "Synthèse archivée" in text and "Restaurer la synthèse" in text
    assert "Voir l’atelier" in text and "Saisir en atelier" not in text
    assert url("introduction_edit") not in page.content.decode()
    assert url("synthesis_archive") not in page.content.decode()
    assert client.get(url("synthesis_pdf")).status_code == 200  # backed up as a PDF too


def test_every_edit_of_an_archived_synthesis_is_refused_and_nothing_is_saved(archived, facilitator):
    client = logged_in(facilitator)
    row = DiagnosticRow.objects.filter(section__synthesis=archived).order_by("pk").first()
    number = row.section.thematic.number
    add = reverse("board:add_statement", args=[VENDEE, number, "diagnostic", row.pk, "irritants"])
    irritant = Irritant.objects.filter(row=row).first()
    edit = reverse("board:edit_statement", args=[VENDEE, number, "irritants", irritant.pk])
    before = contents()

    response = client.post(add, {"text": "Ajouté après l’archivage"}, **HTMX)
    assert response.status_code == 403 and response["X-Board-Error"] == "archived"
    assert "Cette synthèse est archivée" in response.content.decode()
    response = client.post(edit, {"text": "Modifié", "version": irritant.version}, **HTMX)
    assert response.status_code == 403
    page = client.post(add, {"text": "Sans htmx"})
    assert page.status_code == 403 and "Cette synthèse est archivée" in text_of(page)
    for name in ("introduction_edit",):
        assert client.post(url(name), {}).status_code == 403
    proposal = client.post(
        reverse("actionplans:proposal_create", args=[VENDEE]),
        {"title": "Ajoutée", "effort": "faible", "time_needed": "court"},
    )
    assert proposal.status_code == 403 and "archivée" in text_of(proposal)

    assert contents() == before
    irritant.refresh_from_db()
    assert irritant.text != "Modifié"
    assert Synthesis.objects.get(pk=archived.pk).updated_at == archived.updated_at
    board = client.get(reverse("board:page", args=[VENDEE, number]))
    assert board.status_code == 200 and "hx-post" not in board.content.decode()


def test_restoring_brings_it_back_for_everyone_from_the_dashboard(archived, facilitator, referent):
    client = logged_in(facilitator)
    response = client.post(url("synthesis_unarchive"))
    assert response.status_code == 302 and response["Location"] == url("synthesis_detail")
    archived.refresh_from_db()
    assert archived.archived_at is None and archived.archived_by is None
    assert f"« {archived.title} » est restaurée" in text_of(client.get(url("synthesis_detail")))
    assert archived.title in text_of(logged_in(referent).get("/"))
    assert Client().get(url("synthesis_detail")).status_code == 200  # published again
    assert Synthesis.objects.editable_by(facilitator).filter(pk=archived.pk).exists()


def test_the_unarchive_page_asks_first_and_a_second_archive_is_refused(archived, facilitator):
    client = logged_in(facilitator)
    confirmation = client.get(url("synthesis_unarchive"))
    assert confirmation.status_code == 200
    assert f"Restaurer la synthèse « {archived.title} » ?" in text_of(confirmation)
    refused = client.post(url("synthesis_archive"))
    assert refused.status_code == 409 and "déjà archivée" in text_of(refused)


# Regional syntheses and their annexes ---------------------------------------------------------


def test_a_regional_synthesis_is_archived_only_once_its_annexes_are(regional, vendee, facilitator):
    client = logged_in(facilitator)
    confirmation = text_of(client.get(url("synthesis_archive", REGIONAL)))
    assert "Archivez d’abord ses annexes départementales" in confirmation
    assert vendee.title in confirmation

    refused = client.post(url("synthesis_archive", REGIONAL))

    assert refused.status_code == 409
    assert f"« {vendee.title} » (Vendée (85))" in text_of(refused)
    assert Synthesis.objects.archived().count() == 0

    assert client.post(url("synthesis_archive")).status_code == 302
    assert client.post(url("synthesis_archive", REGIONAL)).status_code == 302
    assert set(Synthesis.objects.archived()) == {regional, vendee}

    # The annex waits for its regional synthesis to come back.
    refused = client.post(url("synthesis_unarchive"))
    assert refused.status_code == 409 and "restaurez-la d’abord" in text_of(refused)
    assert Synthesis.objects.get(pk=vendee.pk).archived_at is not None


# Who may -------------------------------------------------------------------------------------


def test_readers_and_facilitators_of_another_region_can_neither_archive_nor_restore(
    vendee, referent
):
    elsewhere = factories.FacilitatorMembershipFactory(
        region=Region.objects.get(code="bretagne")
    ).user
    for user in (referent, elsewhere, factories.UserFactory()):
        client = logged_in(user)
        assert client.post(url("synthesis_archive")).status_code == 403  # published: readable
        assert client.get(url("synthesis_archive")).status_code == 403
    assert Client().post(url("synthesis_archive")).status_code == 302  # to the login page
    assert Synthesis.objects.archived().count() == 0

    vendee.archive(None)
    for user in (referent, elsewhere):
        assert logged_in(user).post(url("synthesis_unarchive")).status_code == 404
    assert Synthesis.objects.get(pk=vendee.pk).archived_at is not None


def test_no_page_lets_a_facilitator_delete_a_synthesis(vendee, facilitator):
    """The only deletions outside the administration are of a section's content and of a
    flagship proposal."""

    def names(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                if pattern.namespace != "admin":  # staff only, and purging is theirs
                    yield from names(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}"

    all_names = set(names(get_resolver().url_patterns))
    assert "syntheses:archive" in all_names
    deleting = {
        name for name in all_names if any(word in name for word in ("delete", "supprim", "purge"))
    }
    assert deleting == {
        "board:delete_sheet",
        "board:delete_row",
        "board:delete_statement",
        "actionplans:proposal_delete",
    }
    client = logged_in(facilitator)
    admin_delete = reverse("admin:workshops_synthesis_delete", args=[vendee.pk])
    response = client.post(admin_delete, {"post": "yes"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Synthesis.objects.filter(pk=vendee.pk).exists()


def test_archived_syntheses_follow_the_rules_of_the_queryset(archived, regional, facilitator):
    staff = factories.UserFactory(is_staff=True)
    assert archived in Synthesis.objects.visible_to(facilitator)
    assert archived in Synthesis.objects.visible_to(staff)
    assert archived not in Synthesis.objects.editable_by(facilitator)
    assert archived not in Synthesis.objects.editable_by(staff)
    assert archived in Synthesis.objects.manageable_by(facilitator)
    assert set(Synthesis.objects.archived()) == {archived}
    assert archived not in Synthesis.objects.active() and regional in Synthesis.objects.active()


# The administration --------------------------------------------------------------------------


def test_administrators_archive_and_unarchive_with_actions_and_filter_archived_ones(
    regional, vendee, admin_client
):
    changelist = reverse("admin:workshops_synthesis_changelist")

    def act(action, *syntheses):
        return admin_client.post(
            changelist,
            {"action": action, "_selected_action": [s.pk for s in syntheses]},
            follow=True,
        )

    refused = text_of(act("archive_selected", regional))
    assert "Archivez-les d’abord" in refused
    assert Synthesis.objects.archived().count() == 0

    done = text_of(act("archive_selected", regional, vendee))  # the annex goes first
    assert "2 synthèses archivées" in done
    assert set(Synthesis.objects.archived()) == {regional, vendee}
    assert Synthesis.objects.get(pk=vendee.pk).archived_by.username == "admin"

    listed = admin_client.get(changelist, {"archivee": "oui"}).content.decode()
    assert regional.title in listed and vendee.title in listed
    assert vendee.title not in admin_client.get(changelist, {"archivee": "non"}).content.decode()

    done = text_of(act("unarchive_selected", vendee, regional))  # the regional one first
    assert "2 synthèses désarchivées" in done
    assert Synthesis.objects.archived().count() == 0


def test_an_active_annex_cannot_be_attached_to_an_archived_regional_synthesis(
    regional, vendee, facilitator
):
    other = factories.SynthesisFactory(region=regional.region, title="Autre régionale")
    other.archive(facilitator)
    vendee.parent = other

    with pytest.raises(ValidationError) as refused:
        vendee.full_clean()

    assert "est archivée" in " ".join(refused.value.message_dict["parent"])


def test_administrators_still_purge_a_synthesis(vendee, admin_client):
    delete = reverse("admin:workshops_synthesis_delete", args=[vendee.pk])
    assert admin_client.get(delete).status_code == 200
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Synthesis.objects.filter(pk=vendee.pk).exists()


def test_importing_onto_an_archived_synthesis_is_refused(archived):
    before = contents()
    with open(factories.SEEDS / "000_ee84334b5a1f3055.txt", "rb") as seed:
        report = import_synthesis(seed.read(), filename="vendee.txt", slug=VENDEE)
    assert report.outcome == "failed"
    assert any("est archivée" in issue.message for issue in report.errors)
    assert contents() == before


def test_an_import_checked_before_the_synthesis_was_archived_writes_nothing(
    vendee, facilitator, monkeypatch
):
    resolve = importing._resolve_target

    def archived_meanwhile(*args, **kwargs):
        target = resolve(*args, **kwargs)
        Synthesis.objects.get(pk=vendee.pk).archive(facilitator)  # between check and write
        return target

    monkeypatch.setattr(importing, "_resolve_target", archived_meanwhile)
    before = contents()
    with open(factories.SEEDS / "000_ee84334b5a1f3055.txt", "rb") as seed:
        report = import_synthesis(seed.read(), filename="vendee.txt", slug=VENDEE)

    assert report.outcome == "failed"
    assert any("vient d’être archivée" in issue.message for issue in report.errors)
    assert contents() == before


# Query counts --------------------------------------------------------------------------------


def test_the_dashboard_runs_as_many_queries_with_many_archived_syntheses(
    regional, facilitator, django_assert_max_num_queries
):
    client = logged_in(facilitator)
    for index in range(12):
        factories.SynthesisFactory(region=regional.region, title=f"Archivée {index}").archive(
            facilitator
        )
    with django_assert_max_num_queries(6):  # session, user, demo check, syntheses, rights, roles
        response = client.get("/")
    assert text_of(response).count("Restaurer") >= 12


def test_an_edit_under_way_when_the_synthesis_is_archived_is_refused_and_not_saved(
    client, monkeypatch
):
    section = factories.board_section(rows=1, statements=2, linked=False)
    synthesis = section.synthesis
    client.force_login(factories.facilitator_of(synthesis))
    colleague = factories.facilitator_of(synthesis)
    statement = Irritant.objects.filter(row__section=section).first()
    load_statement = editing.statement_in_section

    def archived_meanwhile(*args, **kwargs):
        # A colleague's « Archiver » commits after the board checked the right to edit and
        # before the edit is written: the window two concurrent requests leave.
        Synthesis.objects.get(pk=synthesis.pk).archive(colleague)
        return load_statement(*args, **kwargs)

    monkeypatch.setattr(editing, "statement_in_section", archived_meanwhile)
    url = reverse(
        "board:edit_statement",
        args=[synthesis.slug, section.thematic.number, "irritants", statement.pk],
    )

    edit = {"text": "Écrit après l’archivage", "version": statement.version}

    response = client.post(url, edit, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert Irritant.objects.get(pk=statement.pk).text == statement.text
    assert Synthesis.objects.get(pk=synthesis.pk).is_archived
