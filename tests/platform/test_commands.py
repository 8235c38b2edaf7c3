import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests import factories
from workshops.models import Irritant, Synthesis, Thematic

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_setup_demo_loads_the_real_synthesis_and_prints_the_demo_logins(settings):
    settings.DEBUG = True
    output = run("setup_demo")
    assert Thematic.objects.count() == 5
    assert set(Synthesis.objects.values_list("slug", flat=True)) == {
        "pays-de-la-loire-2020",
        "vendee-2020",
    }
    assert "admin / etats-generaux-admin" in output
    assert "animatrice / etats-generaux-dane" in output
    assert "referent / etats-generaux-85" in output
    facilitator = get_user_model().objects.get(username="animatrice")
    assert facilitator.check_password("etats-generaux-dane")
    assert not facilitator.is_staff and not facilitator.is_superuser
    assert facilitator.memberships.get().region.code == "pays-de-la-loire"


def test_setup_demo_never_overwrites_existing_syntheses(settings):
    settings.DEBUG = True
    run("setup_demo")
    synthesis = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    synthesis.title = "Titre modifié par une animatrice"
    synthesis.save()
    output = run("setup_demo")
    assert "la démonstration n'est pas rechargée" in output
    synthesis.refresh_from_db()
    assert synthesis.title == "Titre modifié par une animatrice"


def test_setup_demo_does_not_load_into_a_database_with_other_syntheses(settings, reference_data):
    settings.DEBUG = True
    factories.SynthesisFactory(slug="bretagne-2020")
    run("setup_demo")
    assert list(Synthesis.objects.values_list("slug", flat=True)) == ["bretagne-2020"]


def test_demo_accounts_are_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        run("setup_demo")
    assert not get_user_model().objects.exists()


def test_dump_fixtures_says_which_synthesis_is_missing(tmp_path):
    with pytest.raises(CommandError, match="pays-de-la-loire-2020"):
        run("dump_fixtures", output=str(tmp_path / "out.json"))
    assert not (tmp_path / "out.json").exists()


def test_new_content_can_be_added_after_the_demo_is_loaded(settings):
    """Fixtures carry explicit keys; the database sequences must move past them."""
    settings.DEBUG = True
    run("setup_demo")
    row = Synthesis.objects.get(slug="vendee-2020").sections.first().diagnostic_rows.first()
    irritant = factories.IrritantFactory(row=row)
    assert irritant.position == row.irritants.count()


def logs_in(client, username, password):
    """Whether the login page (throttled by django-axes) logs this account in."""
    client.logout()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_demo_accounts_cannot_log_in_once_debug_is_off(settings, client):
    settings.DEBUG = True
    run("setup_demo")
    assert logs_in(client, "animatrice", "etats-generaux-dane")
    settings.DEBUG = False
    assert not logs_in(client, "animatrice", "etats-generaux-dane")
    assert not logs_in(client, "admin", "etats-generaux-admin")
    assert not logs_in(client, "referent", "etats-generaux-85")
    real = factories.UserFactory(username="yann", password="un mot de passe solide")
    assert logs_in(client, real.username, "un mot de passe solide")


def test_the_demo_referent_reads_the_vendee_and_its_region_and_edits_nothing(settings):
    settings.DEBUG = True
    run("setup_demo")
    Synthesis.objects.update(status=Synthesis.Status.DRAFT)
    referent = get_user_model().objects.get(username="referent")
    assert referent.check_password("etats-generaux-85")
    assert not referent.is_staff and not referent.is_superuser
    assert set(Synthesis.objects.visible_to(referent).values_list("slug", flat=True)) == {
        "pays-de-la-loire-2020",
        "vendee-2020",
    }
    assert not Synthesis.objects.editable_by(referent).exists()
    run("setup_demo")  # idempotent
    assert referent.memberships.count() == 1


def test_the_demo_facilitator_facilitates_pays_de_la_loire(settings):
    settings.DEBUG = True
    run("setup_demo")
    facilitator = get_user_model().objects.get(username="animatrice")
    assert set(Synthesis.objects.editable_by(facilitator).values_list("slug", flat=True)) == {
        "pays-de-la-loire-2020",
        "vendee-2020",
    }


def test_check_bidi_controls_lists_the_stored_texts_holding_them_and_exits_non_zero(db):
    section = factories.board_section(rows=1, statements=1)
    irritant = Irritant.objects.filter(row__section=section).first()
    Irritant.objects.filter(pk=irritant.pk).update(text="abc\u202edef")
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 texte"):
        call_command("check_bidi_controls", stdout=out)

    assert f"workshops.Irritant n° {irritant.pk}" in out.getvalue()
    assert "U+202E (caractère 4)" in out.getvalue()


def test_check_bidi_controls_passes_on_clean_data(db):
    factories.board_section(rows=1, statements=1)
    out = io.StringIO()

    call_command("check_bidi_controls", stdout=out)

    assert "Aucun texte" in out.getvalue()
