"""The « Importer une synthèse » page of the admin."""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from etatsgeneraux.exchange.importing import MAX_FILE_BYTES
from tests import factories
from tests.exchange.test_importing import docx_bytes, seed, template_docx
from workshops.models import Department, Region, Synthesis

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:workshops_synthesis_import")


def page_text(response):
    """The visible text of a page, tags removed and entities decoded."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def post(client, data, name="synthese.txt", **fields):
    fields.setdefault("slug", "import-admin")
    fields.setdefault("region", Region.objects.get(code="pays-de-la-loire").pk)
    return client.post(IMPORT_URL, {"file": upload(name, data), **fields})


@pytest.fixture
def importer_client(reference_data):
    """Staff allowed to add syntheses, not a superuser, logged in."""
    user = factories.UserFactory(username="animatrice", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="add_synthesis"),
        Permission.objects.get(codename="view_synthesis"),
    )
    return factories.logged_in(user)


def test_the_changelist_offers_the_import_to_those_who_may_add_syntheses(
    reference_data, admin_client, django_user_model
):
    assert "Importer une synthèse" in page_text(
        admin_client.get(reverse("admin:workshops_synthesis_changelist"))
    )

    reader = django_user_model.objects.create_user("lecteur", password="x" * 12, is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_synthesis"))
    client = Client()
    client.force_login(reader)
    changelist = client.get(reverse("admin:workshops_synthesis_changelist"))
    assert changelist.status_code == 200
    assert "Importer une synthèse" not in page_text(changelist)
    assert client.get(IMPORT_URL).status_code == 403
    assert post(client, seed("001").read_bytes()).status_code == 403
    assert not Synthesis.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(reference_data, client):
    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_facilitator_imports_a_text_seed_and_sees_the_report(importer_client):
    assert "Importer une synthèse" in page_text(importer_client.get(IMPORT_URL))

    response = post(importer_client, seed("001").read_bytes())

    text = page_text(response)
    assert response.status_code == 200
    assert "Rapport d'import" in text and "Synthèse créée." in text
    assert "5. Mettre en place de nouvelles formes de gouvernance" in text
    assert "« Gouvernance et anticipation »" in text
    assert "Projections 2 lignes, 7 irritants principaux, 3 besoins, 9 leviers" in text
    assert "Ouvrir la synthèse « Synthèse régionale – Pays de la Loire »" in text
    synthesis = Synthesis.objects.get(slug="import-admin")
    assert synthesis.sections.get().thematic.number == 5

    again = page_text(post(importer_client, seed("001").read_bytes()))
    assert "Aucun changement : le document est identique à la synthèse enregistrée" in again
    assert Synthesis.objects.get(slug="import-admin").updated_at == synthesis.updated_at


def test_an_administrator_imports_a_docx(admin_client, reference_data):
    response = post(
        admin_client, docx_bytes(template_docx), name="synthese.docx", slug="docx", region=""
    )

    text = page_text(response)
    assert "« synthese.docx » (DOCX)" in text and "Synthèse créée." in text
    assert "2. Enseigner et apprendre avec le numérique" in text
    assert "paragraphe 9 : Paragraphe non compris" in text
    assert Synthesis.objects.get(slug="docx").region.code == "pays-de-la-loire"


def test_a_departmental_synthesis_is_imported_under_its_regional_one(admin_client, reference_data):
    post(admin_client, seed("004").read_bytes(), slug="regionale")
    regional = Synthesis.objects.get(slug="regionale")

    response = post(
        admin_client,
        seed("000").read_bytes(),
        slug="vendee",
        region="",
        department=Department.objects.get(code="85").pk,
        parent=regional.pk,
    )

    assert "Synthèse créée." in page_text(response)
    vendee = Synthesis.objects.get(slug="vendee")
    assert (vendee.department.code, vendee.parent) == ("85", regional)


def test_a_dry_run_in_the_admin_writes_nothing(admin_client, reference_data):
    response = post(admin_client, seed("003").read_bytes(), dry_run="on")

    assert "Simulation : la synthèse serait créée. Rien n'a été écrit." in page_text(response)
    assert not Synthesis.objects.exists()


def test_the_import_form_is_protected_against_cross_site_requests(reference_data, admin_user):
    client = factories.logged_in(admin_user, enforce_csrf_checks=True)

    response = post(client, seed("001").read_bytes())

    assert response.status_code == 403
    assert not Synthesis.objects.exists()


def test_an_upload_over_the_limit_is_refused_next_to_the_file_field(admin_client, reference_data):
    response = post(admin_client, b"a" * (MAX_FILE_BYTES + 1))

    text = page_text(response)
    assert "Le fichier est trop volumineux : 10 Mo au plus pour un document Word" in text
    assert "Rapport d'import" not in text
    assert not Synthesis.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier soumis est vide."),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "Ce fichier est un fichier binaire"),
        ("Thématique\n".encode("latin-1"), "n'est pas encodé en UTF-8"),
        (b"Bonjour\n", "Aucun tableau du modèle national"),
    ],
)
def test_an_unreadable_file_gets_a_french_message_next_to_the_file_field(
    admin_client, reference_data, data, message
):
    response = post(admin_client, data)

    content = response.content.decode()
    errors = re.search(r'field-file">\s*<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', content, re.S)
    assert errors and message in html.unescape(errors.group(1))
    assert not Synthesis.objects.exists()


def test_metadata_errors_are_shown_next_to_their_field(admin_client, reference_data):
    other = Department.objects.exclude(region__code="pays-de-la-loire").first()

    response = post(admin_client, seed("004").read_bytes(), department=other.pk)
    assert "Ce département n'appartient pas à la région choisie." in page_text(response)

    response = post(admin_client, seed("004").read_bytes(), region="")
    content = response.content.decode()
    errors = re.search(
        r'field-region">\s*<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', content, re.S
    )
    assert errors and "Région académique introuvable" in html.unescape(errors.group(1))
    assert not Synthesis.objects.exists()


def test_the_report_never_renders_html_written_in_the_document(admin_client, reference_data):
    text = (
        seed("004")
        .read_text()
        .replace(
            "2. Projections",
            '<img src=x onerror="alert(1)"> <script>alert(2)</script>\n2. Projections',
        )
    )

    response = post(admin_client, text.encode())

    content = response.content.decode()
    assert "<script>alert(2)</script>" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in content


def test_a_large_upload_is_imported_by_a_background_job_whose_page_leads_to_the_report(
    admin_client,
    reference_data,
    immediate_jobs,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    from django.core.files.storage import default_storage

    from etatsgeneraux.exchange.admin import BACKGROUND_IMPORT_BYTES
    from etatsgeneraux.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path

    data = seed("003").read_bytes()
    data += b"\n" * (BACKGROUND_IMPORT_BYTES + 1 - len(data))  # blank lines change nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = post(admin_client, data, name="grand.txt", slug="grand")

    job = Job.objects.get(kind="import")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.result["redirect"] and job.result["ok"]
    assert Synthesis.objects.filter(slug="grand").exists()  # all or nothing, as before
    report = admin_client.get(job.result["url"]).content.decode()
    assert "Rapport d'import" in report and "Synthèse créée." in report
    assert not default_storage.listdir("imports")[1]  # the uploaded file is gone
