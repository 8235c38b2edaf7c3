"""Every write path changes a synthesis the same way (`workshops.changes.changing`): the
board, the forms, imports and restores, and the administration's content edits."""

import pytest
from django.urls import reverse
from django.utils import timezone

from etatsgeneraux.board import editing
from tests import factories
from workshops.changes import changing
from workshops.models import Irritant, Synthesis, SynthesisArchived

pytestmark = pytest.mark.django_db


def irritant_url(irritant, view="change"):
    return reverse(f"admin:workshops_irritant_{view}", args=[irritant.pk])


def long_ago(synthesis):
    Synthesis.objects.filter(pk=synthesis.pk).update(
        updated_at=timezone.now() - timezone.timedelta(days=30)
    )
    synthesis.refresh_from_db()
    return synthesis.updated_at


def test_a_change_records_the_synthesis_s_last_change():
    irritant = factories.IrritantFactory()
    synthesis = irritant.row.section.synthesis
    before = long_ago(synthesis)
    with changing(synthesis):
        Irritant.objects.filter(pk=irritant.pk).update(text="Nouveau texte")
    synthesis.refresh_from_db()
    assert synthesis.updated_at > before


def test_a_change_to_an_archived_synthesis_is_refused_and_writes_nothing():
    irritant = factories.IrritantFactory()
    synthesis = irritant.row.section.synthesis
    Synthesis.objects.filter(pk=synthesis.pk).update(archived_at=timezone.now())
    synthesis.refresh_from_db()
    with pytest.raises(SynthesisArchived), changing(synthesis):
        Irritant.objects.filter(pk=irritant.pk).update(text="Écrit quand même")
    irritant.refresh_from_db()
    assert irritant.text != "Écrit quand même"


def test_a_synthesis_archived_during_the_change_rolls_the_change_back():
    irritant = factories.IrritantFactory()
    synthesis = irritant.row.section.synthesis
    with pytest.raises(SynthesisArchived), changing(synthesis):
        Irritant.objects.filter(pk=irritant.pk).update(text="Écrit quand même")
        Synthesis.objects.filter(pk=synthesis.pk).update(archived_at=timezone.now())
    irritant.refresh_from_db()
    assert irritant.text != "Écrit quand même"


def test_moving_the_last_statement_down_changes_nothing_not_even_the_last_change():
    irritant = factories.IrritantFactory()
    section = irritant.row.section
    before = long_ago(section.synthesis)
    assert editing.move(section, irritant, "down") is False
    section.synthesis.refresh_from_db()
    assert section.synthesis.updated_at == before


def test_an_admin_edit_of_a_statement_records_the_synthesis_s_last_change(admin_client):
    irritant = factories.IrritantFactory()
    synthesis = irritant.row.section.synthesis
    before = long_ago(synthesis)
    data = {"row": irritant.row.pk, "position": 1, "text": "Corrigé dans l’administration"}
    response = admin_client.post(irritant_url(irritant), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    irritant.refresh_from_db()
    synthesis.refresh_from_db()
    assert irritant.text == "Corrigé dans l’administration"
    assert synthesis.updated_at > before


def test_an_admin_deletion_of_a_statement_records_the_synthesis_s_last_change(admin_client):
    irritant = factories.IrritantFactory()
    synthesis = irritant.row.section.synthesis
    before = long_ago(synthesis)
    response = admin_client.post(irritant_url(irritant, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Irritant.objects.filter(pk=irritant.pk).exists()
    synthesis.refresh_from_db()
    assert synthesis.updated_at > before


def test_the_content_of_an_archived_synthesis_is_read_only_in_the_admin(admin_client):
    irritant = factories.IrritantFactory(text="Tel qu’archivé")
    synthesis = irritant.row.section.synthesis
    Synthesis.objects.filter(pk=synthesis.pk).update(archived_at=timezone.now())
    page = admin_client.get(irritant_url(irritant))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # shown, not offered for change
    data = {"row": irritant.row.pk, "position": 1, "text": "Modifié malgré l’archive"}
    assert admin_client.post(irritant_url(irritant), data).status_code == 403
    assert admin_client.post(irritant_url(irritant, "delete"), {"post": "yes"}).status_code == 403
    irritant.refresh_from_db()
    assert irritant.text == "Tel qu’archivé"


def test_an_archived_synthesis_can_still_be_purged_in_the_admin(admin_client):
    synthesis = factories.IrritantFactory().row.section.synthesis
    Synthesis.objects.filter(pk=synthesis.pk).update(archived_at=timezone.now())
    url = reverse("admin:workshops_synthesis_delete", args=[synthesis.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Synthesis.objects.filter(pk=synthesis.pk).exists()
