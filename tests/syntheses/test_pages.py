"""The facilitators' workspace: dashboard, synthesis page, introduction and proposal forms,
account pages; who may do what; stale edits; CSRF; constant query counts."""

import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from actionplans.models import Action, FlagshipProposal
from etatsgeneraux.devtools.management.commands.bench_pdf import create_synthetic
from tests import factories
from tests.factories import logged_in
from workshops.models import (
    Facilitator,
    Irritant,
    ParticipantCategory,
    Participation,
    Session,
    Strength,
    Synthesis,
    ThematicSection,
)

REGIONAL = "pays-de-la-loire-2020"
VENDEE = "vendee-2020"
NBSP = "\u00a0"


# Helpers --------------------------------------------------------------------------------------


class _FormParser(HTMLParser):
    """What a browser would post for a page's form left as drawn (the last <form> by default
    being the page's content form: the header's logout form comes first)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset"):
                fields.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            fields.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            # A browser drops the newline that follows <textarea>.
            self.forms[-1]["fields"].append((self._textarea[0], value.removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None


def page_form(response, index=-1):
    """The data of one form of the page, as {name: [values]} (a browser's post)."""
    parser = _FormParser()
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.forms[index]["fields"]:
        data.setdefault(name, []).append(value)
    return data


def field_name(data, pattern):
    """The one field name of the form data matching `pattern` (a regular expression)."""
    names = [name for name in data if re.fullmatch(pattern, name)]
    assert len(names) == 1, (pattern, names)
    return names[0]


def set_value(data, pattern, value):
    data[field_name(data, pattern)] = [value]


def html(response):
    return response.content.decode()


def text_of(response):
    """The page's text, tags removed and spaces squeezed (for sentences across elements)."""
    text = unescape(re.sub(r"<[^>]+>", " ", html(response)))
    return re.sub(r"\s+", " ", text.replace(NBSP, " "))


@pytest.fixture
def other_facilitator(demo_data):
    return factories.FacilitatorMembershipFactory(
        region=factories.RegionFactory(code="bretagne", name="Bretagne")
    ).user


def introduction_url(synthesis):
    return reverse("workshops:introduction_edit", args=[synthesis.slug])


def detail_url(synthesis):
    return reverse("syntheses:detail", args=[synthesis.slug])


# Layout of every page ------------------------------------------------------------------------


def test_every_page_speaks_french_with_landmarks_skip_links_and_the_csrf_header_for_htmx(
    regional, facilitator
):
    client = logged_in(facilitator)
    for url in ["/", detail_url(regional), introduction_url(regional)]:
        page = html(client.get(url))
        assert '<html lang="fr">' in page
        assert re.search(r"<header[^>]*class=\"fr-header\"", page)
        assert '<main id="contenu"' in page and "<footer" in page and "<nav" in page
        assert 'href="#contenu"' in page and 'href="#navigation-principale"' in page
        assert 'id="navigation-principale"' in page
        token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page)
        assert token and token.group(1)
        assert "/static/vendor/htmx/htmx.min.js" in page
        assert "/static/dsfr/dist/dsfr/dsfr.min.css" in page


def test_pages_have_no_inline_script_style_or_event_handler(regional, facilitator):
    client = logged_in(facilitator)
    urls = [
        "/",
        detail_url(regional),
        introduction_url(regional),
        reverse("actionplans:proposal_create", args=[regional.slug]),
        reverse("password_change"),
    ]
    for url in urls:
        page = html(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert " style=" not in page, url
    assert " style=" not in html(Client().get(reverse("login")))


def test_the_pdf_keeps_only_its_own_stylesheet_and_no_script(regional):
    from etatsgeneraux.reports import pdf as reports

    report = reports.build_report(regional, None)
    source = reports.render_html(report, for_pdf=True)
    assert "report.css" in source
    assert "dsfr.min.css" not in source and "<script" not in source
    assert "fr-header" not in source


# Home page and dashboard ---------------------------------------------------------------------


def test_anonymous_visitors_see_the_published_syntheses_and_where_to_log_in(regional, client):
    regional.status = Synthesis.Status.DRAFT
    regional.save()
    page = html(client.get("/"))
    assert "Synthèse départementale de la Vendée" in page
    assert regional.title not in page
    assert reverse("syntheses:detail", args=[VENDEE]) in page
    assert reverse("login") in page and "Se connecter" in page


def test_the_dashboard_lists_what_a_facilitator_may_see_with_status_last_change_and_rights(
    regional, facilitator
):
    regional.status = Synthesis.Status.DRAFT
    regional.save()
    elsewhere = factories.SynthesisFactory(
        title="Brouillon d’une autre région", status=Synthesis.Status.DRAFT
    )
    response = logged_in(facilitator).get("/")
    page = text_of(response)
    assert "Mes synthèses" in page
    assert regional.title in page and "Brouillon" in page
    assert elsewhere.title not in page
    assert "Lecture et modification" in page
    assert f"animation de la région académique {regional.region.name}" in page
    updated = regional.updated_at.astimezone().strftime("%H:%M")
    assert updated in page
    assert f'datetime="{regional.updated_at.astimezone().isoformat()}"' in html(response)


def test_a_referent_s_dashboard_lists_the_department_and_region_drafts_read_only(
    regional, vendee, referent
):
    Synthesis.objects.filter(pk__in=[regional.pk, vendee.pk]).update(status=Synthesis.Status.DRAFT)
    page = text_of(logged_in(referent).get("/"))
    assert regional.title in page and vendee.title in page
    assert "Lecture et modification" not in page
    assert "référent du département Vendée (85)" in page


def test_a_user_without_a_role_is_told_so_and_sees_published_syntheses_only(regional):
    regional.status = Synthesis.Status.DRAFT
    regional.save()
    page = text_of(logged_in(factories.UserFactory()).get("/"))
    assert "Aucun rôle ne vous est attribué" in page
    assert regional.title not in page
    assert "Synthèse départementale de la Vendée" in page


# The synthesis page ------------------------------------------------------------------------------


def test_the_synthesis_page_shows_the_introduction_as_entered(regional, client):
    page = text_of(client.get(detail_url(regional)))
    for session in Session.objects.filter(synthesis=regional):
        assert session.title in page
    for facilitator in Facilitator.objects.filter(session__synthesis=regional):
        assert facilitator.name in page
    for category in ParticipantCategory.objects.all():
        assert category.label in page
    assert "dont une vingtaine d" in page  # a participation's note


def test_the_synthesis_page_counts_every_stage_of_every_section(regional, client):
    page = text_of(client.get(detail_url(regional)))
    for section in ThematicSection.objects.filter(synthesis=regional).select_related("thematic"):
        assert f"Thématique N°{section.thematic.number} : {section.display_title}" in page
        irritants = Irritant.objects.filter(row__section=section).count()
        strengths = Strength.objects.filter(row__section=section).count()
        actions = Action.objects.filter(row__section=section).count()
        assert f"{irritants} irritant" in page
        assert f"{strengths} point" in page
        assert f"{actions} action" in page


def test_each_section_links_its_board_and_its_pdf_by_thematic_number(regional, facilitator):
    page = html(logged_in(facilitator).get(detail_url(regional)))
    for section in ThematicSection.objects.filter(synthesis=regional).select_related("thematic"):
        board = f"/syntheses/{REGIONAL}/thematiques/{section.thematic.number}/"
        assert f'href="{board}"' in page
        assert f'href="{board}pdf/"' in page and f'href="{board}apercu/"' in page
    # « Gouvernance et anticipation » is N°3 in this synthesis, thematic 5 nationally.
    section = ThematicSection.objects.get(synthesis=regional, thematic__number=5)
    assert section.position == 3


def test_the_synthesis_page_offers_the_whole_pdf_the_annexes_and_the_proposal_sheets(
    regional, vendee, client
):
    page = html(client.get(detail_url(regional)))
    assert reverse("reports:synthesis_pdf", args=[REGIONAL]) in page
    assert reverse("reports:synthesis_pdf", args=[VENDEE]) in page
    page = html(client.get(detail_url(vendee)))
    proposal = FlagshipProposal.objects.get(synthesis=vendee)
    assert reverse("reports:proposal_pdf", args=[VENDEE, proposal.position]) in page
    assert proposal.title in page
    assert detail_url(Synthesis.objects.get(slug=REGIONAL)) in page  # its regional synthesis


def test_anonymous_visitors_asking_for_a_draft_page_are_sent_to_log_in(regional, client):
    regional.status = Synthesis.Status.DRAFT
    regional.save()
    response = client.get(detail_url(regional))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_draft_page_is_not_found_for_a_facilitator_of_another_region(regional, other_facilitator):
    regional.status = Synthesis.Status.DRAFT
    regional.save()
    response = logged_in(other_facilitator).get(detail_url(regional))
    assert response.status_code == 404
    assert "Page introuvable" in html(response)


def test_edit_controls_show_for_facilitators_and_staff_only(regional, facilitator, referent):
    edit = introduction_url(regional)
    add = reverse("actionplans:proposal_create", args=[REGIONAL])
    for user in (facilitator, factories.UserFactory(is_staff=True)):
        page = html(logged_in(user).get(detail_url(regional)))
        assert edit in page and add in page
    for client in (logged_in(referent), Client()):
        page = html(client.get(detail_url(regional)))
        assert edit not in page and add not in page


# The introduction -------------------------------------------------------------------------------


def test_a_facilitator_edits_sessions_facilitators_and_participations_in_one_save(
    regional, facilitator
):
    client = logged_in(facilitator)
    session = Session.objects.filter(synthesis=regional).order_by("position").first()
    first = session.facilitators.order_by("position").first()
    before = Synthesis.objects.get(pk=regional.pk).updated_at
    data = page_form(client.get(introduction_url(regional)))
    prefix = f"session-{session.pk}"
    set_value(data, rf"{prefix}-title", "Séances académiques (visioconférence)")
    # The first facilitator form holds the first facilitator: change it, remove the second.
    set_value(data, rf"{prefix}-animateurs-0-role", "DAN")
    data[f"{prefix}-animateurs-1-DELETE"] = ["on"]
    extra = int(data[f"{prefix}-animateurs-TOTAL_FORMS"][0]) - 1
    data[f"{prefix}-animateurs-{extra}-name"] = ["Nouvelle Animatrice"]
    set_value(data, rf"{prefix}-categorie-7-participants", "30")
    set_value(data, rf"{prefix}-categorie-1-establishments", "9")
    response = client.post(introduction_url(regional), data)
    assert response.status_code == 302
    assert response["Location"] == detail_url(regional)
    session.refresh_from_db()
    assert session.title == "Séances académiques (visioconférence)"
    names = list(session.facilitators.order_by("position").values_list("name", "role"))
    assert names[0] == (first.name, "DAN")
    assert len(names) == 7 and names[-1] == ("Nouvelle Animatrice", "")
    counts = {p.category.number: p for p in session.participations.select_related("category")}
    assert counts[7].participants == 30 and counts[1].establishments == 9
    assert Synthesis.objects.get(pk=regional.pk).updated_at > before
    page = text_of(client.get(detail_url(regional)))
    assert "L’introduction est enregistrée." in page


def test_saving_the_introduction_unchanged_writes_nothing(regional, facilitator):
    client = logged_in(facilitator)
    versions = list(Session.objects.values_list("version", flat=True))
    before = Synthesis.objects.get(pk=regional.pk).updated_at
    data = page_form(client.get(introduction_url(regional)))
    response = client.post(introduction_url(regional), data, follow=True)
    assert "Aucune modification à enregistrer." in text_of(response)
    assert list(Session.objects.values_list("version", flat=True)) == versions
    assert Synthesis.objects.get(pk=regional.pk).updated_at == before


def test_one_bad_row_saves_nothing_and_its_french_message_stands_next_to_the_field(
    regional, facilitator
):
    client = logged_in(facilitator)
    session = Session.objects.filter(synthesis=regional).order_by("position").first()
    prefix = f"session-{session.pk}"
    data = page_form(client.get(introduction_url(regional)))
    set_value(data, rf"{prefix}-title", "Un titre qui ne sera pas enregistré")
    set_value(data, rf"{prefix}-animateurs-0-name", "Nom qui ne sera pas enregistré")
    set_value(data, rf"{prefix}-categorie-3-participants", "-4")
    set_value(data, rf"{prefix}-categorie-8-participants", "douze")
    response = client.post(introduction_url(regional), data)
    assert response.status_code == 422
    page = html(response)
    for number, message in ((3, "Saisissez un nombre positif ou nul."), (8, "entier")):
        field_id = f"id_{prefix}-categorie-{number}-participants"
        group = re.search(
            rf'id="{field_id}-messages"[^>]*>\s*'
            r'<p class="fr-message fr-message--error">([^<]+)</p>',
            page,
        )
        assert group and message in group.group(1)
        assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="{field_id}"', page)
        assert f'href="#{field_id}"' in page  # the summary links to the field
    assert "L’introduction n’a pas été enregistrée" in page
    session.refresh_from_db()
    assert session.title != "Un titre qui ne sera pas enregistré"
    assert not Facilitator.objects.filter(name="Nom qui ne sera pas enregistré").exists()
    # The values typed are kept in the form.
    assert 'value="Un titre qui ne sera pas enregistré"' in page


def test_a_new_facilitator_without_a_name_is_refused_in_french(regional, facilitator):
    client = logged_in(facilitator)
    session = Session.objects.filter(synthesis=regional).order_by("position").first()
    prefix = f"session-{session.pk}-animateurs"
    data = page_form(client.get(introduction_url(regional)))
    extra = int(data[f"{prefix}-TOTAL_FORMS"][0]) - 1
    data[f"{prefix}-{extra}-role"] = ["Chargée de mission"]
    count = Facilitator.objects.count()
    response = client.post(introduction_url(regional), data)
    assert response.status_code == 422
    assert "Saisissez le nom de l’animateur ou l’animatrice." in html(response)
    assert Facilitator.objects.count() == count


def test_a_session_is_added_and_another_deleted(regional, facilitator):
    client = logged_in(facilitator)
    doomed = Session.objects.filter(synthesis=regional).order_by("position").last()
    data = page_form(client.get(introduction_url(regional)))
    data["nouvelle-session-title"] = ["Séance de restitution"]
    data["nouvelle-session-format"] = ["presentiel"]
    data[f"session-{doomed.pk}-delete"] = ["on"]
    assert client.post(introduction_url(regional), data).status_code == 302
    titles = list(Session.objects.filter(synthesis=regional).values_list("title", flat=True))
    assert "Séance de restitution" in titles and doomed.title not in titles


def test_a_stale_session_edit_is_refused_with_both_versions_and_saving_again_keeps_mine(
    regional, facilitator
):
    client = logged_in(facilitator)
    session = Session.objects.filter(synthesis=regional).order_by("position").first()
    prefix = f"session-{session.pk}"
    data = page_form(client.get(introduction_url(regional)))
    # Someone else saves the session meanwhile.
    session.title = "Titre de l’autre animatrice"
    session.save()
    set_value(data, rf"{prefix}-title", "Mon titre")
    set_value(data, rf"{prefix}-categorie-9-participants", "5")
    response = client.post(introduction_url(regional), data)
    assert response.status_code == 409
    page = text_of(response)
    assert "Quelqu’un a modifié l’introduction pendant que vous la modifiiez" in page
    assert "Titre de l’autre animatrice" in page  # the stored version
    assert 'value="Mon titre"' in html(response)  # the user's version, in the form
    session.refresh_from_db()
    assert session.title == "Titre de l’autre animatrice"
    nine = Participation.objects.get(session=session, category__number=9)
    assert nine.participants != 5  # nothing at all was saved
    # Saving the returned page again keeps the user's version, on purpose.
    response = client.post(introduction_url(regional), page_form(response))
    assert response.status_code == 302
    session.refresh_from_db()
    nine.refresh_from_db()
    assert session.title == "Mon titre" and nine.participants == 5


def test_two_facilitators_editing_different_parts_of_the_introduction_both_save(
    regional, facilitator
):
    other = logged_in(factories.FacilitatorMembershipFactory(region=regional.region).user)
    mine = logged_in(facilitator)
    session = Session.objects.filter(synthesis=regional).order_by("position").first()
    prefix = f"session-{session.pk}"
    my_data = page_form(mine.get(introduction_url(regional)))
    their_data = page_form(other.get(introduction_url(regional)))
    set_value(their_data, rf"{prefix}-animateurs-0-note", "pour le lundi")
    assert other.post(introduction_url(regional), their_data).status_code == 302
    set_value(my_data, rf"{prefix}-categorie-4-participants", "12")
    assert mine.post(introduction_url(regional), my_data).status_code == 302
    assert session.facilitators.order_by("position").first().note == "pour le lundi"
    assert Participation.objects.get(session=session, category__number=4).participants == 12


def test_a_facilitator_deleted_meanwhile_comes_back_when_the_user_saves_again(
    regional, facilitator
):
    client = logged_in(facilitator)
    session = Session.objects.filter(synthesis=regional).order_by("position").first()
    prefix = f"session-{session.pk}-animateurs"
    target = session.facilitators.order_by("position").first()
    data = page_form(client.get(introduction_url(regional)))
    set_value(data, rf"{prefix}-0-role", "Rôle que je corrige")
    target.delete()
    response = client.post(introduction_url(regional), data)
    assert response.status_code == 409
    assert "supprimé entre-temps" in text_of(response)
    assert not Facilitator.objects.filter(role="Rôle que je corrige").exists()
    response = client.post(introduction_url(regional), page_form(response))
    assert response.status_code == 302
    restored = Facilitator.objects.get(role="Rôle que je corrige")
    assert restored.name == target.name and restored.session == session


def test_a_participation_filled_in_meanwhile_is_a_conflict(facilitator, regional):
    client = logged_in(facilitator)
    session = factories.SessionFactory(synthesis=regional, title="Séance vide")
    data = page_form(client.get(introduction_url(regional)))
    set_value(data, rf"session-{session.pk}-categorie-7-participants", "3")
    Participation.objects.create(
        session=session, category=ParticipantCategory.objects.get(number=7), participants=8
    )
    response = client.post(introduction_url(regional), data)
    assert response.status_code == 409
    assert Participation.objects.get(session=session, category__number=7).participants == 8


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_facilitators_of_the_region_and_staff_reach_the_introduction_form(
    regional, facilitator, referent, other_facilitator, method
):
    url = introduction_url(regional)
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert getattr(logged_in(referent), method)(url).status_code == 403
    assert getattr(logged_in(other_facilitator), method)(url).status_code == 403
    regional.status = Synthesis.Status.DRAFT
    regional.save()
    assert getattr(logged_in(other_facilitator), method)(url).status_code == 404
    if method == "get":
        assert logged_in(facilitator).get(url).status_code == 200
        assert logged_in(factories.UserFactory(is_staff=True)).get(url).status_code == 200


def test_a_referent_is_told_in_french_why_the_form_is_refused(regional, referent):
    response = logged_in(referent).get(introduction_url(regional))
    assert response.status_code == 403
    assert "Vous pouvez lire cette synthèse, pas la modifier." in html(response)


# Flagship proposals ------------------------------------------------------------------------


def proposal_data(**values):
    data = {
        "title": "Tutorat numérique entre pairs",
        "summary": "Des élèves de seconde accompagnent des collégiens.",
        "establishments": "12 lycées",
        "effort": "faible",
        "time_needed": "court",
    }
    data.update(values)
    return data


def test_a_facilitator_adds_a_flagship_proposal_at_the_end(vendee, facilitator):
    client = logged_in(facilitator)
    before = Synthesis.objects.get(pk=vendee.pk).updated_at
    url = reverse("actionplans:proposal_create", args=[VENDEE])
    assert "Nouvelle proposition phare" in html(client.get(url))
    response = client.post(url, proposal_data())
    assert response.status_code == 302
    assert response["Location"] == detail_url(vendee) + "#propositions"
    proposal = FlagshipProposal.objects.get(title="Tutorat numérique entre pairs")
    assert proposal.synthesis == vendee and proposal.position == 2
    assert proposal.effort == "faible" and proposal.establishments == "12 lycées"
    assert Synthesis.objects.get(pk=vendee.pk).updated_at > before
    page = text_of(client.get(detail_url(vendee)))
    assert "La proposition phare « Tutorat numérique entre pairs » est ajoutée." in page


def test_the_proposal_form_has_the_sheet_s_fields_in_fieldsets_with_radio_choices(
    vendee, facilitator
):
    page = html(logged_in(facilitator).get(reverse("actionplans:proposal_create", args=[VENDEE])))
    for label in (
        "Titre",
        "Résumé de la mesure",
        "Nombre d’établissements concernés",
        "Nombre d’élèves concernés",
        "Nombre de parents concernés",
        "Nombre d’enseignants concernés",
        "Territoire concerné",
        "Référent du projet",
        "Moyens financiers",
        "Moyens humains",
        "Moyens juridiques",
        "Difficultés principales rencontrées",
        "Besoins nécessaires pour pérenniser le dispositif",
        "Efforts de mise en place",
        "Temporalité nécessaire",
    ):
        assert label in page, label
    for legend in ("Description", "Impacts", "Modalités de mise en œuvre", "Mise en place"):
        assert f'<legend class="fr-fieldset__legend">{legend}</legend>' in page
    assert page.count('type="radio" name="effort"') == 4


def test_the_proposal_form_shows_french_errors_next_to_the_fields_and_saves_nothing(
    vendee, facilitator
):
    client = logged_in(facilitator)
    count = FlagshipProposal.objects.count()
    url = reverse("actionplans:proposal_create", args=[VENDEE])
    response = client.post(url, proposal_data(title="", effort="énorme"))
    assert response.status_code == 422
    page = html(response)
    assert re.search(
        r'id="id_title-messages"[^>]*>\s*<p class="fr-message fr-message--error">'
        r"Donnez un titre à la proposition phare.</p>",
        page,
    )
    assert "Choisissez un effort faible, moyen ou fort." in page
    assert FlagshipProposal.objects.count() == count


def test_a_facilitator_edits_a_proposal(vendee, facilitator):
    client = logged_in(facilitator)
    proposal = FlagshipProposal.objects.get(synthesis=vendee)
    url = reverse("actionplans:proposal_edit", args=[VENDEE, proposal.position])
    data = page_form(client.get(url))
    data["territory"] = ["Vendée et Sarthe"]
    assert client.post(url, data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.territory == "Vendée et Sarthe"
    assert proposal.version == 2


def test_a_stale_proposal_edit_is_refused_with_both_versions_and_saving_again_keeps_mine(
    vendee, facilitator
):
    client = logged_in(facilitator)
    proposal = FlagshipProposal.objects.get(synthesis=vendee)
    url = reverse("actionplans:proposal_edit", args=[VENDEE, proposal.position])
    data = page_form(client.get(url))
    FlagshipProposal.objects.filter(pk=proposal.pk).update(
        summary="Résumé de l’autre animatrice", version=proposal.version + 1
    )
    data["summary"] = ["Mon résumé"]
    response = client.post(url, data)
    assert response.status_code == 409
    page = text_of(response)
    assert "Quelqu’un a modifié cette proposition phare entre-temps" in page
    assert "Résumé de l’autre animatrice" in page and "Mon résumé" in page
    proposal.refresh_from_db()
    assert proposal.summary == "Résumé de l’autre animatrice"
    assert client.post(url, page_form(response)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.summary == "Mon résumé"


def test_a_proposal_deleted_meanwhile_can_be_added_again_from_the_form(vendee, facilitator):
    client = logged_in(facilitator)
    proposal = FlagshipProposal.objects.get(synthesis=vendee)
    url = reverse("actionplans:proposal_edit", args=[VENDEE, proposal.position])
    data = page_form(client.get(url))
    proposal.delete()
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Cette proposition phare a été supprimée entre-temps" in text_of(response)
    create = reverse("actionplans:proposal_create", args=[VENDEE])
    assert f'action="{create}"' in html(response)
    assert client.post(create, page_form(response)).status_code == 302
    assert FlagshipProposal.objects.filter(synthesis=vendee, title=proposal.title).exists()


def test_only_facilitators_of_the_region_and_staff_reach_the_proposal_forms(
    vendee, facilitator, referent, other_facilitator
):
    create = reverse("actionplans:proposal_create", args=[VENDEE])
    edit = reverse("actionplans:proposal_edit", args=[VENDEE, 1])
    for url in (create, edit):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert logged_in(referent).get(url).status_code == 403
        assert logged_in(referent).post(url, proposal_data()).status_code == 403
        assert logged_in(other_facilitator).post(url, proposal_data()).status_code == 403
        assert logged_in(facilitator).get(url).status_code == 200
    assert FlagshipProposal.objects.count() == 1
    missing = reverse("actionplans:proposal_edit", args=[VENDEE, 9])
    assert logged_in(facilitator).get(missing).status_code == 404


# Accounts ---------------------------------------------------------------------------------------


def test_the_french_login_page_leads_to_the_dashboard(demo_data):
    user = factories.UserFactory(username="claire")
    client = Client()
    page = html(client.get(reverse("login")))
    assert "Connexion" in page and "Nom d’utilisateur" in page and "Mot de passe" in page
    response = client.post(
        reverse("login"), {"username": "claire", "password": "un mot de passe solide"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Mes synthèses" in html(client.get("/"))
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused_in_french(db):
    factories.UserFactory(username="claire")
    response = Client().post(reverse("login"), {"username": "claire", "password": "faux"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in html(response)


def test_login_returns_to_the_page_asked_for(regional, facilitator):
    facilitator.set_password("un mot de passe solide")
    facilitator.save()
    client = Client()
    redirect = client.get(introduction_url(regional))["Location"]
    response = client.post(
        redirect,
        {
            "username": facilitator.username,
            "password": "un mot de passe solide",
            "next": introduction_url(regional),
        },
    )
    assert response["Location"] == introduction_url(regional)


def test_logging_out_takes_a_post_and_returns_home(facilitator):
    client = logged_in(facilitator)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_a_password_change_is_checked_in_french_then_done(db):
    user = factories.UserFactory(username="claire")
    client = Client()
    assert client.get(reverse("password_change"))["Location"].startswith(reverse("login"))
    client.force_login(user)
    url = reverse("password_change")
    assert "Changer de mot de passe" in html(client.get(url))
    response = client.post(
        url,
        {"old_password": "faux", "new_password1": "court", "new_password2": "court"},
    )
    page = html(response)
    assert "Votre ancien mot de passe est incorrect" in page
    response = client.post(
        url,
        {
            "old_password": "un mot de passe solide",
            "new_password1": "court",
            "new_password2": "court",
        },
    )
    assert "Ce mot de passe est trop court" in html(response)
    response = client.post(
        url,
        {
            "old_password": "un mot de passe solide",
            "new_password1": "rédaction des synthèses 2020",
            "new_password2": "rédaction des synthèses 2020",
        },
        follow=True,
    )
    assert "Votre mot de passe a été changé." in html(response)
    user.refresh_from_db()
    assert user.check_password("rédaction des synthèses 2020")


def test_the_demo_accounts_log_in_on_the_site_s_own_page(settings, demo_data):
    settings.DEBUG = True
    call_command("setup_demo", stdout=io.StringIO())
    for username, password in (
        ("animatrice", "etats-generaux-dane"),
        ("referent", "etats-generaux-85"),
        ("admin", "etats-generaux-admin"),
    ):
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 302, username
        assert "Mes synthèses" in html(client.get("/"))


# CSRF -------------------------------------------------------------------------------------------


def test_every_change_needs_the_csrf_token(regional, vendee, facilitator):
    client = logged_in(facilitator, enforce_csrf_checks=True)
    proposal_url = reverse("actionplans:proposal_edit", args=[VENDEE, 1])
    pages = {
        introduction_url(regional): page_form(client.get(introduction_url(regional))),
        proposal_url: page_form(client.get(proposal_url)),
        reverse("actionplans:proposal_create", args=[VENDEE]): proposal_data(),
    }
    for url, data in pages.items():
        without = {name: value for name, value in data.items() if name != "csrfmiddlewaretoken"}
        response = client.post(url, without)
        assert response.status_code == 403, url
        assert "Le formulaire a expiré" in html(response)
    assert FlagshipProposal.objects.count() == 1
    for url in (introduction_url(regional), proposal_url):
        assert client.post(url, pages[url]).status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 403


def test_the_token_on_body_lets_htmx_requests_through(regional, facilitator):
    client = logged_in(facilitator, enforce_csrf_checks=True)
    page = html(client.get(detail_url(regional)))
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(reverse("logout"), headers={"X-CSRFToken": token})
    assert response.status_code == 302


# Query counts ---------------------------------------------------------------------------------

# Queries per page, whatever the number of sessions, sections, rows and statements. Three of
# them come with every logged-in request: the session, the user, and the auth backend's
# check that the user is not a demo account.
PAGE_QUERIES = {
    "dashboard": 6,  # syntheses, those the user may edit, memberships
    "synthesis": 14,  # + may edit, sessions, facilitators, participations, categories,
    # sections with their counts, shared RETEX, proposals, annexes, published versions
    "introduction": 9,  # + may edit, categories, sessions, facilitators, participations
    "proposal_create": 5,  # + synthesis, may edit
    "proposal_edit": 6,  # + the proposal
}
ANONYMOUS_SYNTHESIS_QUERIES = 10
SAVE_UNCHANGED_INTRODUCTION_QUERIES = 15  # includes locking the synthesis row


def _pages(synthesis):
    pages = {
        "dashboard": "/",
        "synthesis": detail_url(synthesis),
        "introduction": introduction_url(synthesis),
        "proposal_create": reverse("actionplans:proposal_create", args=[synthesis.slug]),
    }
    proposal = FlagshipProposal.objects.filter(synthesis=synthesis).order_by("position").first()
    if proposal is not None:
        pages["proposal_edit"] = reverse(
            "actionplans:proposal_edit", args=[synthesis.slug, proposal.position]
        )
    return pages


def _ten_times_larger():
    """The synthetic synthesis ten times the fixture, with an introduction to match."""
    large, statements = create_synthetic(4670, slug="dix-fois")
    assert statements > 4000
    categories = list(ParticipantCategory.objects.all())
    for index in range(19):
        session = factories.SessionFactory(synthesis=large, title=f"Séance {index}")
        for number in range(6):
            factories.FacilitatorFactory(session=session, position=number + 1)
        for category in categories:
            factories.ParticipationFactory(session=session, category=category)
    for index in range(10):
        factories.FlagshipProposalFactory(synthesis=large, title=f"Proposition {index}")
    return large


@pytest.mark.slow
def test_every_page_runs_a_constant_number_of_queries(
    regional, facilitator, django_assert_max_num_queries
):
    vendee = Synthesis.objects.get(slug=VENDEE)
    client = logged_in(facilitator)
    large = _ten_times_larger()
    assert Session.objects.filter(synthesis=large).count() > 10 * regional.sessions.count()
    for synthesis in (regional, vendee, large):
        for name, url in _pages(synthesis).items():
            with django_assert_max_num_queries(PAGE_QUERIES[name]):
                response = client.get(url)
            assert response.status_code == 200, (name, url)


@pytest.mark.slow
def test_the_anonymous_pages_run_a_constant_number_of_queries(
    regional, client, django_assert_max_num_queries
):
    large = _ten_times_larger()
    for synthesis in (regional, large):
        with django_assert_max_num_queries(ANONYMOUS_SYNTHESIS_QUERIES):
            assert client.get(detail_url(synthesis)).status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/").status_code == 200


@pytest.mark.slow
def test_saving_an_unchanged_introduction_runs_a_constant_number_of_queries(
    regional, facilitator, django_assert_max_num_queries
):
    client = logged_in(facilitator)
    large = _ten_times_larger()
    for synthesis in (regional, large):
        data = page_form(client.get(introduction_url(synthesis)))
        with django_assert_max_num_queries(SAVE_UNCHANGED_INTRODUCTION_QUERIES):
            assert client.post(introduction_url(synthesis), data).status_code == 302


def test_a_form_sent_after_the_session_expired_says_nothing_was_saved(regional, client):
    response = client.post(introduction_url(regional), {"anything": "typed"}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/comptes/connexion/")
    assert "Votre session a expiré : vos modifications n'ont pas été enregistrées." in text_of(
        response
    )


def test_deleting_a_session_someone_already_deleted_saves_the_rest(regional, facilitator):
    client = logged_in(facilitator)
    first, *_, doomed = Session.objects.filter(synthesis=regional).order_by("position")
    data = page_form(client.get(introduction_url(regional)))
    data[f"session-{doomed.pk}-delete"] = ["on"]
    set_value(data, rf"session-{first.pk}-title", "Séances académiques")
    doomed.delete()  # another facilitator deleted it meanwhile
    assert client.post(introduction_url(regional), data).status_code == 302
    titles = list(Session.objects.filter(synthesis=regional).values_list("title", flat=True))
    assert titles == ["Séances académiques"]


def test_a_superscript_digit_in_a_url_or_a_form_is_not_a_number(regional, facilitator):
    client = logged_in(facilitator)
    for url in (
        reverse("reports:synthesis_preview", args=[regional.slug]),
        reverse("reports:synthesis_pdf", args=[regional.slug]),
    ):
        for value in ("²", "1" + "0" * 20):
            assert client.get(url, {"thematique": value}).status_code == 404
    data = page_form(client.get(introduction_url(regional)))
    data["sessions"] = ["²"]
    assert client.post(introduction_url(regional), data).status_code in (200, 302, 409, 422)
