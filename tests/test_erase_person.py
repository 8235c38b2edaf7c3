"""`manage.py erase_person`: a person's name and account go; everything else stays."""

import io

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests import factories
from workshops.models import Facilitator, Membership, RetexSheet, Synthesis

pytestmark = pytest.mark.django_db


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
