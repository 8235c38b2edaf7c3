"""The small defects of a first walk (issue 15, defect 9): the administration's French, the demo's
address and first versions, adding as many facilitators as needed."""

import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from actionplans.models import Action
from tests import factories
from workshops.introduction import ADD_FACILITATOR
from workshops.models import Facilitator, Irritant, Session, Synthesis, Thematic

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# The administration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, wording",
    [
        (Synthesis, "Supprimer les synthèses sélectionnées"),
        (Thematic, "Supprimer les thématiques sélectionnées"),
        (Session, "Supprimer les sessions d'ateliers sélectionnées"),
        (Irritant, "Supprimer les irritants sélectionnés"),
        (Action, "Supprimer les actions à mener (Comment) sélectionnées"),
    ],
)
def test_the_bulk_deletion_agrees_with_the_model_s_name(admin_client, demo_data, model, wording):
    opts = model._meta
    page = unescape(
        admin_client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        ).content.decode()
    )
    assert f'<option value="delete_selected">{wording}</option>' in page


def test_the_agreed_bulk_deletion_still_asks_then_deletes(admin_client, reference_data):
    extra = Thematic.objects.create(number=9, title="Une thématique de trop", short_title="Trop")
    url = reverse("admin:workshops_thematic_changelist")
    data = {"action": "delete_selected", "_selected_action": [extra.pk]}
    confirmation = admin_client.post(url, data)
    assert confirmation.status_code == 200 and "Une thématique de trop" in unescape(
        confirmation.content.decode()
    )
    assert Thematic.objects.filter(pk=extra.pk).exists()
    assert admin_client.post(url, {**data, "post": "yes"}).status_code == 302
    assert not Thematic.objects.filter(pk=extra.pk).exists()


def test_the_login_throttling_has_a_french_name_in_the_admin_index(admin_client):
    page = unescape(admin_client.get(reverse("admin:index")).content.decode())
    assert "Connexions et blocages" in page
    assert not re.search(
        r">\s*Axes\s*<", page
    )  # the bare app label, beside « Axes d'amélioration »


# The demo set-up ------------------------------------------------------------------------------


@pytest.fixture
def demo_setup(db, settings, monkeypatch):
    """Runs `setup_demo` as `make run` does (DEBUG on), on PORT 8123; returns its output."""
    settings.DEBUG = True
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("HOST", raising=False)
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def test_setup_demo_prints_the_address_make_run_serves(demo_setup):
    assert "Comptes de démonstration (http://127.0.0.1:8123/comptes/connexion/) :" in demo_setup
    assert ":8000" not in demo_setup


def test_the_first_edit_of_the_demo_data_shows_what_it_was(demo_setup, client):
    assert "première version enregistrée pour" in demo_setup
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    irritant = Irritant.objects.filter(row__section__synthesis=synthesis).order_by("pk").first()
    section = irritant.row.section
    client.force_login(factories.facilitator_of(synthesis))
    url = reverse(
        "board:edit_statement",
        args=[synthesis.slug, section.thematic.number, "irritants", irritant.pk],
    )
    response = client.post(url, {"text": "Texte corrigé", "version": irritant.version}, **HTMX)
    assert response.status_code == 200
    page = unescape(client.get(reverse("history:page", args=[synthesis.slug])).content.decode())
    assert "l’état précédent n’est pas connu" not in page
    assert f"{irritant.text}</del>" in page and "Texte corrigé</ins>" in page
    # The first versions are no change of the synthesis: the history lists the edit alone.
    assert page.count('<tr id="changement-') == 1


def test_setup_demo_run_again_records_no_second_first_version(demo_setup, settings):
    records = Irritant.history.count()
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert Irritant.history.count() == records
    assert "première version" not in out.getvalue()


# The introduction: as many facilitators as needed --------------------------------------------


class _Forms(HTMLParser):
    """The fields of the page's forms, as a browser posts them (buttons left out)."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.forms.append([])
        elif tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.forms[-1].append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset"):
                self.forms[-1].append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1].append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1].append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None


def introduction_form(response):
    parser = _Forms()
    parser.feed(response.content.decode())
    form = next(form for form in parser.forms if any(name == "sessions" for name, _ in form))
    data = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def session(facilitator, synthesis):
    session = factories.SessionFactory(synthesis=synthesis, title="Séance académique")
    factories.FacilitatorFactory(session=session, name="Claire Martin", position=1)
    return session


def intro_url(synthesis):
    return reverse("workshops:introduction_edit", args=[synthesis.slug])


def test_add_a_person_gives_one_more_blank_each_time_and_keeps_what_was_typed(
    facilitator_client, synthesis, session
):
    url = intro_url(synthesis)
    page = facilitator_client.get(url)
    text = unescape(page.content.decode())
    prefix = f"session-{session.pk}-animateurs"
    assert f'name="{ADD_FACILITATOR}" value="{prefix}">Ajouter une personne' in text
    # The first button of the form, the one Enter presses in a field, saves.
    form_html = text[text.index('action="' + url) :]
    first_button = re.search(r"<button[^>]*>", form_html).group(0)
    assert "name=" not in first_button and 'type="submit"' in first_button

    data = introduction_form(page)
    assert data[f"{prefix}-TOTAL_FORMS"] == ["2"]  # Claire Martin and one blank
    data[f"{prefix}-1-name"] = ["Yves Durand"]
    data[ADD_FACILITATOR] = [prefix]
    response = facilitator_client.post(url, data)
    assert response.status_code == 200
    assert Facilitator.objects.filter(session=session).count() == 1  # nothing saved
    text = unescape(response.content.decode())
    assert 'value="Yves Durand"' in text
    assert re.search(rf'name="{prefix}-2-name"[^>]*autofocus', text)

    data = introduction_form(response)
    assert data[f"{prefix}-TOTAL_FORMS"] == ["3"]
    data[f"{prefix}-2-name"] = ["Zoé Leroy"]
    data[f"{prefix}-2-role"] = ["ERUN"]
    data[ADD_FACILITATOR] = [prefix]
    data = introduction_form(facilitator_client.post(url, data))
    assert data[f"{prefix}-TOTAL_FORMS"] == ["4"]

    saved = facilitator_client.post(url, data)  # « Enregistrer l'introduction »
    assert saved.status_code == 302
    names = list(
        Facilitator.objects.filter(session=session).order_by("position").values_list("name", "role")
    )
    assert names == [
        ("Claire Martin", "Chargée de mission DANE"),
        ("Yves Durand", ""),
        ("Zoé Leroy", "ERUN"),
    ]


def test_add_a_person_to_an_unknown_list_adds_nothing_and_saves_nothing(
    facilitator_client, synthesis, session
):
    url = intro_url(synthesis)
    data = introduction_form(facilitator_client.get(url))
    data[f"session-{session.pk}-title"] = ["Titre changé mais pas enregistré"]
    data[ADD_FACILITATOR] = ["session-999-animateurs"]
    response = facilitator_client.post(url, data)
    assert response.status_code == 200
    assert introduction_form(response)[f"session-{session.pk}-animateurs-TOTAL_FORMS"] == ["2"]
    assert Session.objects.get(pk=session.pk).title == "Séance académique"
