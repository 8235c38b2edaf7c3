"""`manage.py erase_person`: a person's name and account go; everything else stays."""

import io
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from etatsgeneraux.publishing import versions as publishing
from tests import factories
from workshops.models import Facilitator, Irritant, Membership, RetexSheet, Session, Synthesis

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def erase(*args):
    out = io.StringIO()
    call_command("erase_person", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def traces():
    """Claire Martin, named in an introduction, a RETEX sheet, the admin log and history."""
    facilitator = factories.FacilitatorFactory(name="Claire Martin", role="IAN")
    facilitator.role = "Interlocutrice académique pour le numérique"
    facilitator.save()  # a second historical record
    sheet = factories.RetexSheetFactory(
        title="Témoignage de CLAIRE  MARTIN",
        text="Claire Martin, professeure au collège Saint-Exupéry, a prêté des tablettes.",
    )
    admin = factories.UserFactory(username="chef")
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Facilitator),
        object_id=str(facilitator.pk),
        object_repr=str(facilitator),
        action_flag=CHANGE,
    )
    return facilitator, sheet


def test_the_name_is_replaced_in_the_content_its_history_and_the_admin_log(traces):
    facilitator, sheet = traces
    output = erase("Claire Martin", "--apply")
    facilitator.refresh_from_db()
    sheet.refresh_from_db()
    assert facilitator.name == "[nom effacé]"
    assert facilitator.role == "Interlocutrice académique pour le numérique"
    assert sheet.title == "Témoignage de [nom effacé]"
    assert sheet.text.startswith("[nom effacé], professeure au collège Saint-Exupéry")
    assert set(facilitator.history.values_list("name", flat=True)) == {"[nom effacé]"}
    assert not RetexSheet.history.filter(text__icontains="martin").exists()
    assert LogEntry.objects.get().object_repr.startswith("[nom effacé]")
    assert "Effacement terminé" in output


def test_without_apply_nothing_changes_and_the_places_are_listed(traces):
    facilitator, _sheet = traces
    output = erase("Claire Martin")
    assert "Simulation : rien n'est modifié" in output
    assert "à remplacer par « [nom effacé] »" in output
    assert f"animateur ou animatrice n° {facilitator.pk}, nom" in output
    facilitator.refresh_from_db()
    assert facilitator.name == "Claire Martin"
    assert facilitator.history.filter(name="Claire Martin").count() == 2


def test_the_account_goes_with_its_roles_sessions_and_login_attempts(client):
    user = factories.UserFactory(username="claire", password="un mot de passe solide")
    factories.FacilitatorMembershipFactory(user=user)
    client.post(reverse("login"), {"username": "claire", "password": "pas le bon"})
    client.post(reverse("login"), {"username": "claire", "password": "un mot de passe solide"})
    assert "_auth_user_id" in client.session
    client.post(reverse("login"), {"username": "claire", "password": "encore faux"})
    synthesis = factories.SynthesisFactory()
    Synthesis.objects.filter(pk=synthesis.pk).update(archived_by=user)
    synthesis.history.update(history_user=user)

    output = erase("--username", "claire", "--apply")

    assert "Compte « claire » : supprimé" in output
    assert not get_user_model().objects.filter(username="claire").exists()
    assert not Membership.objects.exists()
    assert not AccessAttempt.objects.exists()
    assert "_auth_user_id" not in client.session
    synthesis.refresh_from_db()
    assert synthesis.archived_by is None
    assert synthesis.history.exists()
    assert not synthesis.history.filter(history_user__isnull=False).exists()


def test_the_cached_pdfs_are_dropped(traces):
    cache.set("workshops:report-pdf:test", b"%PDF avec Claire Martin")
    erase("Claire Martin", "--apply")
    assert cache.get("workshops:report-pdf:test") is None


def test_an_account_bearing_the_name_is_pointed_out_but_kept_without_username(traces):
    factories.UserFactory(username="cmartin", first_name="Claire", last_name="Martin")
    output = erase("Claire Martin", "--apply")
    assert "Le compte « cmartin » porte ce nom : ajoutez --username cmartin" in output
    assert get_user_model().objects.filter(username="cmartin").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Indiquez le nom à effacer"),
        (("Cl",), "Nom trop court"),
        (("Claire Martin", "--username", "personne"), "Aucun compte « personne »"),
        (("Claire Martin", "--replacement", "ex-Claire Martin"), "ne doit pas contenir"),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(traces, args, message):
    facilitator, _sheet = traces
    with pytest.raises(CommandError, match=message):
        erase(*args, "--apply")
    facilitator.refresh_from_db()
    assert facilitator.name == "Claire Martin"


def test_reference_data_is_never_touched(traces):
    region = factories.RegionFactory(name="Région Claire Martin")
    erase("Claire Martin", "--apply")
    region.refresh_from_db()
    assert region.name == "Région Claire Martin"


# Only free text, whole words -----------------------------------------------------------------


def test_identifiers_are_kept_the_slug_a_link_address_and_the_admin_log_object_id(client):
    synthesis = factories.SynthesisFactory(
        slug="ecole-martin-2020", title="Synthèse de l'école Martin", status="published"
    )
    link = factories.RetexLinkFactory(
        url="https://www.ac-nantes.fr/martin/tablettes", label="Le blog de Martin"
    )
    entry = LogEntry.objects.create(
        user=factories.UserFactory(),
        content_type=ContentType.objects.get_for_model(Synthesis),
        object_id="martin",
        object_repr="Martin",
        action_flag=CHANGE,
    )

    erase("Martin", "--apply")

    synthesis.refresh_from_db()
    link.refresh_from_db()
    entry.refresh_from_db()
    assert synthesis.slug == "ecole-martin-2020"
    assert synthesis.title == "Synthèse de l'école [nom effacé]"
    assert set(synthesis.history.values_list("slug", flat=True)) == {"ecole-martin-2020"}
    assert link.url == "https://www.ac-nantes.fr/martin/tablettes"
    assert link.label == "Le blog de [nom effacé]"
    assert (entry.object_id, entry.object_repr) == ("martin", "[nom effacé]")
    assert client.get(reverse("syntheses:home")).status_code == 200


def test_a_slug_that_begins_with_the_name_keeps_the_home_page_working(client):
    synthesis = factories.SynthesisFactory(
        slug="martinique-2020", title="Synthèse Martinique 2020", status="published"
    )
    erase("Martin", "--apply")
    synthesis.refresh_from_db()
    assert (synthesis.slug, synthesis.title) == ("martinique-2020", "Synthèse Martinique 2020")
    assert client.get(reverse("syntheses:home")).status_code == 200


def test_only_whole_words_are_replaced_in_the_content_and_its_history():
    statement = factories.IrritantFactory(text="Les petites écoles de M. PETIT, à Petit-Bourg.")
    statement.text += " Petitement."
    statement.save()

    erase("Petit", "--apply")

    statement.refresh_from_db()
    expected = "Les petites écoles de M. [nom effacé], à [nom effacé]-Bourg. Petitement."
    assert statement.text == expected
    assert list(Irritant.history.values_list("text", flat=True).order_by("history_id")) == [
        "Les petites écoles de M. [nom effacé], à [nom effacé]-Bourg.",
        expected,
    ]


def test_the_simulation_shows_each_match_with_a_short_excerpt_around_it():
    text = (
        "Au début de l'atelier, les enseignants ont présenté le travail de Claire\n Martin, "
        "professeure au collège Saint-Exupéry, et les petites écoles de claire martin."
    )
    sheet = factories.RetexSheetFactory(text=text)

    output = erase("Claire Martin")

    assert (
        f"  fiche RETEX n° {sheet.pk}, texte\n"
        "      …ts ont présenté le travail de [Claire Martin], professeure au collège Saint…\n"
        "      …éry, et les petites écoles de [claire martin].\n"
    ) in output
    sheet.refresh_from_db()
    assert sheet.text == text


def test_accented_capitals_are_matched_whatever_the_case_and_the_account_is_pointed_out():
    facilitator = factories.FacilitatorFactory(name="Élodie Durand", role="IAN")
    factories.UserFactory(username="edurand", first_name="Élodie", last_name="DURAND")

    output = erase("élodie durand", "--apply")

    facilitator.refresh_from_db()
    assert facilitator.name == "[nom effacé]"
    assert set(facilitator.history.values_list("name", flat=True)) == {"[nom effacé]"}
    assert "Le compte « edurand » porte ce nom" in output


def test_an_accented_name_is_erased_from_the_json_messages_of_the_admin_log(admin_client):
    facilitator = factories.FacilitatorFactory(name="Hélène Dupré", role="IAN")
    # What ModelAdmin.log_change writes for an inline added in the admin (Django 5.2).
    LogEntry.objects.log_actions(
        int(admin_client.session["_auth_user_id"]),
        Session.objects.filter(pk=facilitator.session_id),
        CHANGE,
        [{"added": {"name": "animateur ou animatrice", "object": str(facilitator)}}],
        single_object=True,
    )
    assert "Dupr\\u00e9" in LogEntry.objects.get().change_message

    erase("Hélène Dupré", "--apply")

    entry = LogEntry.objects.get()
    added = {"added": {"name": "animateur ou animatrice", "object": "[nom effacé], IAN"}}
    assert entry.change_message == json.dumps([added])
    assert entry.get_change_message() == (
        f"Ajout de animateur ou animatrice «{NBSP}[nom effacé], IAN{NBSP}»."
    )


# Refusals: nothing written -------------------------------------------------------------------


def test_a_replacement_too_long_for_a_field_is_refused_in_french_and_nothing_is_erased():
    origin = "Témoignage recueilli par Anne Roy au collège".ljust(100, ".")
    sheet = factories.RetexSheetFactory(origin=origin)
    facilitator = factories.FacilitatorFactory(name="Anne Roy", role="IAN")

    for args in (("--apply",), ()):
        with pytest.raises(CommandError) as refused:
            erase("Anne Roy", *args)
        message = str(refused.value)
        assert "Avec « [nom effacé] », ces champs dépasseraient leur longueur maximale" in message
        assert f"- fiche RETEX n° {sheet.pk}, origine : 104 caractères pour 100 au plus" in message
        assert "un texte d'au plus 8 caractères (« [nom effacé] » en compte 12)" in message
    assert "rien n'a été écrit" in message or "--apply serait refusé" in message
    facilitator.refresh_from_db()
    sheet.refresh_from_db()
    assert (facilitator.name, sheet.origin) == ("Anne Roy", origin)

    erase("Anne Roy", "--replacement", "[effacé]", "--apply")
    facilitator.refresh_from_db()
    assert facilitator.name == "[effacé]"


def test_a_value_breaking_a_unique_constraint_is_refused_in_french_and_nothing_is_erased():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNIQUE INDEX test_unique_retex_title ON workshops_retexsheet (title)"
        )
    factories.RetexSheetFactory(title="Témoignage de [nom effacé]")
    sheet = factories.RetexSheetFactory(title="Témoignage de Claire Martin")
    facilitator = factories.FacilitatorFactory(name="Claire Martin", role="IAN")

    with pytest.raises(CommandError) as refused:
        erase("Claire Martin", "--apply")

    assert f"Remplacer le nom dans fiche RETEX n° {sheet.pk} enfreindrait une contrainte" in str(
        refused.value
    )
    assert "rien n'a été écrit" in str(refused.value)
    facilitator.refresh_from_db()
    sheet.refresh_from_db()
    assert (facilitator.name, sheet.title) == ("Claire Martin", "Témoignage de Claire Martin")
    assert facilitator.history.get().name == "Claire Martin"


def test_an_empty_replacement_is_refused_rather_than_emptying_a_required_field(traces):
    facilitator, _sheet = traces
    for replacement in ("", "   "):
        with pytest.raises(CommandError, match="ne peut pas être vide"):
            erase("Claire Martin", "--replacement", replacement, "--apply")
    facilitator.refresh_from_db()
    assert facilitator.name == "Claire Martin"


def test_the_name_is_erased_from_the_published_versions_too(traces):
    """A published version holds the whole synthesis as its readers read it (a JSON
    document): the name goes from there too, or the public would still read it."""
    _facilitator, sheet = traces
    synthesis = sheet.synthesis
    Synthesis.objects.filter(pk=synthesis.pk).update(status=Synthesis.Status.PUBLISHED)
    synthesis.refresh_from_db()
    version = publishing.publish(synthesis)
    assert "Claire Martin" in json.dumps(version.document, ensure_ascii=False)
    output = erase("Claire Martin", "--apply")
    assert "version publiée" in output
    version.refresh_from_db()
    document = json.dumps(version.document, ensure_ascii=False)
    assert "Claire Martin" not in document and "CLAIRE  MARTIN" not in document
    assert "Témoignage de [nom effacé]" in document
