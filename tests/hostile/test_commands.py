"""Hostile input to the import (the admin's upload page and the `import_synthesis` command)
and to `export_synthesis_pdf`: a clear French refusal that writes nothing, or a faithful,
escaped round-trip; never a traceback. The web forms: tests/hostile/test_web_forms.py."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from tests import factories
from tests.exchange.test_importing import docx_bytes, template_docx
from tests.hostile.test_web_forms import ACCEPTED, nothing_written, snapshot, squeezed
from workshops.models import Irritant, RetexLink, RetexSheet, Strength, Synthesis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

REGION = "pays-de-la-loire"
IMPORT_URL = reverse("admin:workshops_synthesis_import")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What the import takes as statements as they are: the text export interprets a few tags
# (<b>, <li>, <br>...), entities and **bold**; these hostile texts use none of them.
IMPORTED = {name: ACCEPTED[name] for name in ("script", "attribute", "javascript", "sql")} | {
    "emoji": "Bravo 👏🏽 🇫🇷 😀",
    "arabic": ACCEPTED["arabic"],
    "hebrew": ACCEPTED["hebrew"],
}


def text_export(irritants=("Connexions instables",), strengths=("Entraide",), retex="", extra=""):
    """A one-thematic text export of the national template, with the given statements."""
    cells = "\t".join(
        [
            "▶ Enseigner et apprendre",
            "▶ 1",
            " ".join(f"▶ {text}" for text in irritants),
            " ".join(f"▶ {text}" for text in strengths),
        ]
    )
    return (
        "Nom de la Région académique\tPays de la Loire\n"
        "THEMATIQUE N°2 : Enseigner et apprendre avec le numérique\n\n"
        "RETEX 1 (Académie)\n\nClasse virtuelle en lycée\n\n"
        f"{retex or 'Deux enseignants racontent.'}\n\nhttps://example.org/retex-1\n\n"
        "Diagnostic des points forts et irritants\n\n"
        "Thématique concernée (parmi les 5)\tRETEX\tIrritants\tPoints forts\n"
        f"{cells}\n{extra}"
    )


def run_import(path, slug="hostile", **options):
    out = io.StringIO()
    call_command("import_synthesis", str(path), slug=slug, stdout=out, **options)
    return out.getvalue()


def stored_texts():
    return [
        *Irritant.objects.values_list("text", flat=True),
        *Strength.objects.values_list("text", flat=True),
        *RetexSheet.objects.values_list("title", flat=True),
        *RetexSheet.objects.values_list("text", flat=True),
    ]


def facilitator_client(synthesis):
    client = Client()
    client.force_login(factories.facilitator_of(synthesis))
    return client


def board_page(synthesis):
    return reverse("board:page", args=[synthesis.slug, 2])


# The command: what a document holds ------------------------------------------------------------


def test_hostile_statements_of_a_document_are_imported_exactly_and_shown_escaped(
    reference_data, tmp_path
):
    path = tmp_path / "synthese.txt"
    path.write_text(text_export(irritants=IMPORTED.values(), strengths=["Entraide"]))
    run_import(path)
    synthesis = Synthesis.objects.get(slug="hostile")
    assert list(Irritant.objects.order_by("position").values_list("text", flat=True)) == list(
        IMPORTED.values()
    )
    client = facilitator_client(synthesis)
    board = client.get(board_page(synthesis)).content.decode()
    for value in IMPORTED.values():
        assert escape(value) in board
    assert "<script>alert(1)</script>" not in board
    response = client.get(reverse("reports:synthesis_pdf", args=[synthesis.slug]))
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1


def test_control_characters_and_nul_bytes_inside_a_document_are_removed_on_import(
    reference_data, tmp_path
):
    controls = "".join(chr(code) for code in [*range(1, 9), 11, 12, *range(14, 32), 127, 133])
    document = text_export(
        irritants=[f"Connexions{controls} instables", "Fati\x00gue"],
        strengths=["En\x1btraide"],
        retex="Deux\x07 enseignants\x85 racontent.",
    )
    # NUL bytes past the first 8 KB (the first ones mean a binary file: refused below).
    path = tmp_path / "synthese.txt"
    path.write_bytes(("x" * 9000 + "\n" + document).encode())
    run_import(path)
    assert list(Irritant.objects.order_by("position").values_list("text", flat=True)) == [
        "Connexions instables",
        "Fatigue",
    ]
    assert Strength.objects.get().text == "Entraide"
    assert not [text for text in stored_texts() if CONTROL.search(text)]
    synthesis = Synthesis.objects.get(slug="hostile")
    pdf = facilitator_client(synthesis).get(reverse("reports:synthesis_pdf", args=[synthesis.slug]))
    extracted = squeezed(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    )
    assert "Connexionsinstables" in extracted and "Deuxenseignantsracontent." in extracted


def test_windows_line_endings_import_like_unix_ones(reference_data, tmp_path):
    document = text_export(irritants=["Un irritant", "Un autre"])
    unix, windows = tmp_path / "unix.txt", tmp_path / "windows.txt"
    unix.write_text(document)
    windows.write_bytes(document.replace("\n", "\r\n").encode())
    run_import(unix, slug="unix")
    run_import(windows, slug="windows")
    assert sorted(Irritant.objects.values_list("row__section__synthesis__slug", "text")) == [
        ("unix", "Un autre"),
        ("unix", "Un irritant"),
        ("windows", "Un autre"),
        ("windows", "Un irritant"),
    ]
    assert not [text for text in stored_texts() if "\r" in text]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Th\xc3\xa9matique\t\xed\xa0\x80 surrogate", "n'est pas encodé en UTF-8"),
        (b"Th\xc3\xa9matique\t\xc0\x80 overlong", "n'est pas encodé en UTF-8"),
        (text_export().encode() + b"\xe2\x82", "n'est pas encodé en UTF-8"),
        (b"Th\xc3\xa9matique\x00\tIrritants", "fichier binaire"),
        ("Thématique\tIrritants".encode("utf-16"), "UTF-16"),
        (b"\xef\xbb\xbf" + b" \n\t\r\n", "ne contient aucun texte"),
    ],
)
def test_a_document_that_is_not_utf8_text_is_refused_in_french_and_nothing_is_written(
    reference_data, tmp_path, data, message
):
    path = tmp_path / "synthese.txt"
    path.write_bytes(data)
    with nothing_written(), pytest.raises(CommandError) as error:
        run_import(path)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (text_export(irritants=["x" * 100_000]), "Énoncé de 100000 caractères (au plus 2000)"),
        (text_export(retex="x" * 100_000), "Texte trop long (100000 caractères, au plus 10000)"),
        (
            text_export(
                extra="\nTITRE DE LA PROPOSITION PHARE\n\nTutorat\n\nRésumé de la mesure :\n\n"
                + "x" * 100_000
            ),
            "trop long (100000 caractères, au plus 10000)",
        ),
    ],
    ids=["statement", "retex", "proposal"],
)
def test_a_100_000_character_text_in_a_document_is_refused_and_nothing_is_written(
    reference_data, tmp_path, document, message
):
    path = tmp_path / "synthese.txt"
    path.write_text(document)
    out = io.StringIO()
    with nothing_written(), pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), slug="hostile", stdout=out)
    assert "rien n'a été écrit" in str(error.value)
    assert message in out.getvalue()


def test_links_that_are_not_web_addresses_are_kept_as_text_never_as_links(reference_data, tmp_path):
    retex = "javascript:alert(1)\n\ndata:text/html,<script>alert(1)</script>\n\nvbscript:x"
    path = tmp_path / "synthese.txt"
    path.write_text(text_export(retex=retex))
    run_import(path)
    assert list(RetexLink.objects.values_list("url", flat=True)) == ["https://example.org/retex-1"]
    synthesis = Synthesis.objects.get(slug="hostile")
    client = facilitator_client(synthesis)
    for url in (board_page(synthesis), reverse("reports:synthesis_preview", args=["hostile"])):
        page = client.get(url).content.decode()
        assert "javascript:alert(1)" in page
        assert "<script>alert(1)</script>" not in page
        assert not re.search(r'href="\s*(javascript|data|vbscript)', page, re.I)


def docx_with(replacements):
    """The national template as a DOCX, with strings of its XML replaced (raw XML)."""
    data = docx_bytes(template_docx)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for old, new in replacements.items():
        assert old in members["word/document.xml"]
        members["word/document.xml"] = members["word/document.xml"].replace(old, new)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return stream.getvalue()


def test_a_docx_with_control_characters_xml_allows_has_them_removed(reference_data, tmp_path):
    path = tmp_path / "synthese.docx"
    path.write_bytes(
        docx_with(
            {
                b"Connexions instables": "Connexions\u0085 \x7finstables".encode(),
                b"Fatigue</w:t>": (
                    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \u202eFatigue</w:t>".encode()
                ),
            }
        )
    )
    run_import(path)
    texts = list(Irritant.objects.order_by("position").values_list("text", flat=True))
    # The right-to-left override is removed like the control characters.
    assert texts == ["Connexions instables", "<script>alert(1)</script> & Fatigue"]


def test_a_docx_with_control_characters_xml_forbids_is_refused_and_nothing_is_written(
    reference_data, tmp_path
):
    path = tmp_path / "synthese.docx"
    path.write_bytes(docx_with({b"Connexions instables": b"Connexions&#x7; instables"}))
    with nothing_written(), pytest.raises(CommandError) as error:
        run_import(path)
    assert "Le document Word n'a pas pu être lu" in str(error.value)


# The command: its arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"slug": "<script>alert(1)</script>"}, "Identifiant « <script>alert(1)</script> »"),
        ({"slug": "../../etc/passwd"}, "invalide"),
        ({"slug": "a" * 101}, "100 caractères au plus"),
        ({"slug": "\udcff"}, "« \\xff » contient des caractères invalides"),
        ({"slug": "ok\x00"}, "« ok\\x00 » contient des caractères invalides"),
        ({"slug": "ok", "region": "\udce9"}, "La région (--region) « \\xe9 »"),
        ({"slug": "ok", "department": "8\x005"}, "Le département (--department)"),
        ({"slug": "ok", "parent": "\udcff"}, "La synthèse parente (--parent)"),
        ({"slug": "ok", "region": "x" * 10_000}, "Région académique « xxx"),
        ({"slug": "ok", "department": "'; DROP TABLE workshops_department; --"}, "inconnu"),
    ],
)
def test_hostile_import_options_are_refused_in_french_and_nothing_is_written(
    reference_data, tmp_path, options, message
):
    path = tmp_path / "synthese.txt"
    path.write_text(text_export())
    out = io.StringIO()
    with nothing_written(), pytest.raises(CommandError) as error:
        call_command("import_synthesis", str(path), stdout=out, **options)
    assert message in str(error.value) + out.getvalue()


def test_a_file_name_that_is_not_utf8_is_imported_and_printed_escaped(reference_data, tmp_path):
    """A name with a Latin-1 byte reaches Python as a lone surrogate: the file opens, and the
    report prints it escaped, even on a terminal that only writes UTF-8."""
    path = tmp_path / "synth\udce8se.txt"  # the byte \xe8: « è » in Latin-1
    path.write_text(text_export())
    terminal = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    call_command("import_synthesis", str(path), slug="latin", stdout=terminal)
    terminal.flush()
    assert "synth\\xe8se.txt" in terminal.buffer.getvalue().decode()
    assert Synthesis.objects.filter(slug="latin").exists()


@pytest.mark.parametrize(
    "path", ["/nonexistent/synthese.txt", "/tmp", "synth\x00ese.txt", "/nonexistent/\udcff"]
)
def test_a_missing_or_impossible_file_is_refused_in_french(reference_data, path):
    with nothing_written(), pytest.raises(CommandError) as error:
        call_command("import_synthesis", path, slug="ok", region=REGION, stdout=io.StringIO())
    assert "Fichier introuvable" in str(error.value)
    assert "\udcff" not in str(error.value)


# The admin's upload page -----------------------------------------------------------------------


def upload(client, data, name="synthese.txt", **fields):
    from workshops.models import Region

    fields.setdefault("slug", "hostile")
    fields.setdefault("region", Region.objects.get(code=REGION).pk)
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data), **fields})


def test_hostile_statements_uploaded_in_the_admin_are_imported_exactly_and_the_report_escaped(
    reference_data, admin_client
):
    response = upload(
        admin_client,
        text_export(irritants=IMPORTED.values()).encode(),
        name="<script>alert(1)</script>.txt",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert list(Irritant.objects.order_by("position").values_list("text", flat=True)) == list(
        IMPORTED.values()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Th\xc3\xa9matique\t\xed\xa0\x80", "n'est pas encodé en UTF-8"),
        (b"\x00\x01\x02binaire", "fichier binaire"),
        (text_export(irritants=["x" * 100_000]).encode(), "Énoncé de 100000 caractères"),
        (text_export(retex="x" * 100_000).encode(), "Texte trop long"),
    ],
)
def test_a_hostile_upload_in_the_admin_is_refused_in_french_and_nothing_is_written(
    reference_data, admin_client, data, message
):
    with nothing_written():
        response = upload(admin_client, data)
    assert response.status_code == 200
    assert escape(message) in response.content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"slug": "<script>"},
        {"slug": "a\x00b"},
        {"region": "\x00"},
        {"region": "99999999999999999999"},
        {"department": "-1"},
        {"parent": "abc"},
    ],
)
def test_hostile_fields_of_the_admin_upload_are_refused_in_french(
    reference_data, admin_client, fields
):
    before = snapshot()
    response = upload(admin_client, text_export().encode(), **fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert "errornote" in page or "errorlist" in page
    assert snapshot() == before


# export_synthesis_pdf ----------------------------------------------------------------------------


@pytest.fixture
def synthesis():
    section = factories.board_section(rows=1, statements=1)
    Irritant.objects.filter(row__section=section).update(text=ACCEPTED["script"])
    return section.synthesis


def export(*args):
    out = io.StringIO()
    call_command("export_synthesis_pdf", *args, stdout=out)
    return out.getvalue()


def test_export_writes_the_hostile_text_as_text(synthesis, tmp_path):
    output = tmp_path / "synthese.pdf"
    assert "PDF écrit" in export(synthesis.slug, "-o", str(output))
    extracted = "".join(page.extract_text() for page in PdfReader(output).pages)
    assert "<script>alert(1)</script>" in extracted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inconnue"], "Synthèse introuvable : inconnue"),
        (["\udcff"], "« \\xff » contient des caractères invalides"),
        (["x\x00"], "contient des caractères invalides"),
        (["{slug}", "--thematique", "²"], "« ² » n'est pas un numéro"),
        (["{slug}", "--thematique", "-1"], "« -1 » n'est pas un numéro"),
        (["{slug}", "--thematique", "99999999999999999999"], "n'est pas un numéro"),
        (["{slug}", "--thematique", "1" * 5000], "n'est pas un numéro"),
        (["{slug}", "--thematique", "0"], "Pas de thématique N°0 dans cette synthèse."),
        (["{slug}", "--thematique", "7"], "Pas de thématique N°7 dans cette synthèse."),
        (["{slug}", "--proposition", "abc"], "« abc » n'est pas un numéro"),
        (["{slug}", "--proposition", "3"], "Pas de proposition phare n°3 dans cette synthèse."),
    ],
)
def test_hostile_export_arguments_are_refused_in_french(synthesis, tmp_path, args, message):
    output = tmp_path / "synthese.pdf"
    args = [arg.format(slug=synthesis.slug) for arg in args]
    with pytest.raises(CommandError) as error:
        export(args[0], "-o", str(output), *args[1:])
    assert message in str(error.value)
    assert not output.exists()


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("{tmp}/absent/synthese.pdf", "dossier introuvable"),
        ("{tmp}", "c'est un dossier"),
        ("{tmp}/synth\x00ese.pdf", "dossier introuvable"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_in_french(synthesis, tmp_path, output, reason):
    output = output.format(tmp=tmp_path)
    with pytest.raises(CommandError) as error:
        export(synthesis.slug, "-o", output)
    assert "Impossible d'écrire le PDF dans « " in str(error.value)
    assert f"({reason})" in str(error.value)


def test_an_output_name_that_is_not_utf8_is_written_and_printed_escaped(synthesis, tmp_path):
    output = tmp_path / "synth\udce8se.pdf"
    terminal = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    call_command("export_synthesis_pdf", synthesis.slug, "-o", str(output), stdout=terminal)
    terminal.flush()
    assert output.exists()
    assert "synth\\xe8se.pdf" in terminal.buffer.getvalue().decode()
