"""Where readers find the exports: the « Télécharger » block of a synthesis page, the
downloads (the PDF's visibility rules, published versions for readers), the JSON Schema, and
the `export_synthesis` command."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from etatsgeneraux.exchange.exports import files as exports
from etatsgeneraux.exchange.exports import schema
from etatsgeneraux.publishing import versions as publishing
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.syntheses.downloads import block
from tests import factories
from tests.exchange.exports_data import hostile_synthesis
from workshops.models import Irritant, Synthesis

pytestmark = pytest.mark.usefixtures("fresh_cache")
ROOT = Path(__file__).resolve().parents[2]


def download(client, synthesis, fmt):
    return client.get(reverse("exchange:download", args=[synthesis.slug, fmt]))


def read(response, fmt):
    """The file of a download, opened with its own reader."""
    data = response.content
    if fmt == "docx":
        return docx.Document(io.BytesIO(data))
    if fmt == "xlsx":
        return openpyxl.load_workbook(io.BytesIO(data))
    if fmt == "csv":
        return zipfile.ZipFile(io.BytesIO(data))
    return json.loads(data)


@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_anyone_downloads_a_published_synthesis_in_each_format(demo_data, client, fmt):
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    response = download(client, regional, fmt)

    assert response.status_code == 200
    assert response["Content-Type"] == exports.FORMATS[fmt].media_type
    assert "attachment" in response["Content-Disposition"]
    assert "synthese-pays-de-la-loire-2020" in response["Content-Disposition"]
    assert read(response, fmt)
    # The same file again: from the cache, or not even sent (ETag).
    again = client.get(response.wsgi_request.path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_drafts_follow_the_pdfs_rules(reference_data, client):
    draft = factories.SynthesisFactory(status=Synthesis.Status.DRAFT)
    response = download(client, draft, "json")
    assert response.status_code == 302 and "/comptes/connexion/" in response["Location"]
    stranger = factories.logged_in(factories.facilitator_of(factories.SynthesisFactory()))
    assert download(stranger, draft, "json").status_code == 404
    member = factories.logged_in(factories.referent_of(draft))
    assert download(member, draft, "json").status_code == 200
    assert download(member, draft, "pdf").status_code == 404
    assert member.post(reverse("exchange:download", args=[draft.slug, "json"])).status_code == 405


def test_readers_get_the_published_version_and_facilitators_the_working_one(reference_data):
    synthesis = hostile_synthesis(status=Synthesis.Status.PUBLISHED)
    publishing.publish(synthesis)
    irritant = Irritant.objects.get(row__section__synthesis=synthesis, text="Irritant 4")
    irritant.text = "Pas encore publié"
    irritant.save()
    synthesis.touch()

    def texts(client):
        document = read(download(client, synthesis, "json"), "json")
        return json.dumps(document["content"], ensure_ascii=False)

    reader = factories.logged_in(factories.referent_of(synthesis))
    assert "Irritant 4" in texts(reader) and "Pas encore publié" not in texts(reader)
    facilitator = factories.logged_in(factories.facilitator_of(synthesis))
    assert "Pas encore publié" in texts(facilitator)


def test_the_national_set_holds_what_the_reader_may_read(demo_data, client):
    draft = factories.SynthesisFactory(status=Synthesis.Status.DRAFT, slug="brouillon-85")
    url = reverse("exchange:national", args=["json"])

    def slugs(client):
        document = json.loads(client.get(url).content)
        return [entry["synthesis"]["slug"] for entry in document["syntheses"]]

    assert set(slugs(client)) == {"pays-de-la-loire-2020", "vendee-2020"}
    assert "brouillon-85" in slugs(factories.logged_in(factories.facilitator_of(draft)))
    assert client.get(reverse("exchange:national", args=["docx"])).status_code == 404
    assert client.get(reverse("exchange:national", args=["exe"])).status_code == 404
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("exchange:national", args=["csv"])).content)
    )
    assert "datapackage.json" in archive.namelist()


def test_the_page_lists_every_format_and_learns_their_sizes_without_a_query(
    demo_data, client, django_assert_num_queries
):
    regional = Synthesis.objects.get(slug="pays-de-la-loire-2020")
    page = reverse("syntheses:detail", args=[regional.slug])
    sizes = reverse("syntheses:downloads", args=[regional.slug])

    html = client.get(page).content.decode()
    assert "Télécharger" in html
    for fmt in exports.FORMATS:
        assert reverse("exchange:download", args=[regional.slug, fmt]) in html
        assert reverse("exchange:national", args=[fmt]) in html or fmt == "docx"
    assert reverse("reports:synthesis_pdf", args=[regional.slug]) in html
    assert f'hx-get="{sizes}"' in html  # sizes unknown yet: the block asks for them

    # The PDF is in its cache (rendered by someone before): its size is found there.
    key = reports.pdf_key(reports.report_syntheses(regional, None))
    cache.set(key, {"pdf": b"%PDF" + b"x" * 4000, "pages": 1})
    fragment = client.get(sizes).content.decode()
    assert "hx-get" not in fragment
    assert fragment.count("\u00a0Ko") == 1 + len(exports.FORMATS)

    html = client.get(page).content.decode()
    assert f'hx-get="{sizes}"' not in html
    assert "PDF – 4\u00a0Ko" in html
    annexes = [Synthesis.objects.get(slug="vendee-2020")]
    with django_assert_num_queries(0):
        downloads = block(regional, annexes=annexes)
    assert downloads.complete


def test_the_json_schema_has_a_stable_address(client):
    response = client.get("/donnees/schemas/synthese-1.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert json.loads(response.content) == schema.build()


# The command ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_the_command_writes_each_format(demo_data, tmp_path, capsys, fmt):
    output = tmp_path / f"vendee.{fmt}"
    call_command("export_synthesis", "vendee-2020", "--format", fmt, "--output", str(output))

    data = output.read_bytes()
    assert data == exports.export(fmt, [Synthesis.objects.get(slug="vendee-2020")]).data
    assert "écrit dans «\u00a0" in capsys.readouterr().out


def test_the_command_exports_everything_and_the_schema(demo_data, tmp_path):
    output = tmp_path / "tout.zip"
    call_command("export_synthesis", "--all", "--format", "csv", "--output", str(output))
    names = zipfile.ZipFile(output).namelist()
    assert "enonces.csv" in names
    call_command("export_synthesis", "--schema", "--output", str(tmp_path / "schema.json"))
    assert (tmp_path / "schema.json").read_text(encoding="utf-8") == schema.shipped()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["inconnue-2020", "--format", "docx", "--output", "x.docx"], "introuvable"),
        (
            ["vendee-2020", "--format", "pdf", "--output", "x.pdf"],
            "Format «\u00a0pdf\u00a0» inconnu",
        ),
        (["vendee-2020", "--output", "x.docx"], "Format manquant"),
        (["vendee-2020", "--format", "docx"], "Indiquez le fichier à écrire"),
        (["--format", "docx", "--output", "x.docx"], "Indiquez l’identifiant"),
        (["--all", "--format", "docx", "--output", "x.docx"], "une seule synthèse"),
        (["vendee-2020", "--format", "json", "--output", "/nulle/part/x.json"], "n’existe pas"),
        (["vend\x00ee", "--format", "json", "--output", "x.json"], "caractères invalides"),
    ],
)
def test_the_command_refuses_bad_input_in_french(demo_data, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_synthesis", *arguments)


def test_bad_input_exits_non_zero(tmp_path):
    run = subprocess.run(
        [sys.executable, "manage.py", "export_synthesis", "x", "-f", "odt", "-o", "x.odt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"SECRET_KEY": "insecure-key-for-tests-only", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert run.returncode == 1
    assert "Format «\u00a0odt\u00a0» inconnu" in run.stderr
