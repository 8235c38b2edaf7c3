"""Reading an uploaded file safely, and turning it into blocks (paragraphs and tables).

Limits, and why:
- a DOCX of the national template weighs 50–500 KB, a few MB with photos: 10 MB is ample;
- its parts, once decompressed, stay under a few MB; python-docx loads every part in memory,
  so 50 MB decompressed in at most 1,000 parts (a DOCX has about twenty) stops zip bombs;
- the text export of a whole regional synthesis is about 60 KB: 2 MB is thirty times that
  and keeps parsing (linear) and the import transaction short.
The decompressed size is measured while decompressing, not trusted from the zip headers.
"""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from etatsgeneraux.exchange.decoding import Refusals, decode_text

from .markup import (
    ANCHOR_CLOSE,
    ANCHOR_OPEN,
    EXPORT_MARK,
    MARK_CLOSE,
    MARK_OPEN,
    clean_text,
    exact_paragraph,
    header_columns,
    html_to_marked,
    plain,
    style_role,
)

MEGABYTE = 1024 * 1024
MAX_DOCX_BYTES = 10 * MEGABYTE
MAX_TEXT_BYTES = 2 * MEGABYTE
MAX_UNCOMPRESSED_BYTES = 50 * MEGABYTE
MAX_ZIP_MEMBERS = 1000
MAX_FILE_BYTES = max(MAX_DOCX_BYTES, MAX_TEXT_BYTES)
# A NUL byte among the first 8 KB means a binary file; later ones are removed with the other
# control characters.
BINARY_PROBE_BYTES = 8192


class ImportRefused(Exception):
    """A file that cannot be read at all; the message is for the user, in French."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def megabytes(size):
    """« 10 Mo », « 12,4 Mo » (French decimal comma)."""
    value = size / MEGABYTE
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} Mo"


@dataclass
class Paragraph:
    text: str  # marked text (see markup)
    where: str
    links: list = field(default_factory=list)


@dataclass
class TableRow:
    cells: list  # one list of marked lines per column
    where: str
    continued: set = field(default_factory=set)  # columns merged with the row above


@dataclass
class Table:
    rows: list
    where: str


def read_file(path):
    """The bytes of a file on disk, refused before reading when it is too large."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ImportRefused(f"Fichier introuvable : {path}")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportRefused(
                f"Le fichier fait {megabytes(size)} : la limite est de "
                f"{megabytes(MAX_DOCX_BYTES)} pour un document Word et de "
                f"{megabytes(MAX_TEXT_BYTES)} pour un export texte."
            )
        with path.open("rb") as stream:
            return stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ImportRefused(f"Fichier illisible : {path} ({error.strerror}).") from None


def read_blocks(data):
    """(format label, blocks) of an uploaded file, or ImportRefused with a French message."""
    if not data:
        raise ImportRefused("Le fichier est vide.")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "DOCX", docx_blocks(data)
    if data.startswith(b"%PDF"):
        raise ImportRefused(
            "Les fichiers PDF ne sont pas pris en charge : importez le document Word d'origine "
            "(.docx) ou son export texte."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            "Ce fichier est au format Word 97-2003 (.doc) : enregistrez-le au format .docx "
            "puis importez-le à nouveau."
        )
    text = decode_text(
        data,
        TEXT_REFUSALS,
        ImportRefused,
        limit=MAX_TEXT_BYTES,
        probe=BINARY_PROBE_BYTES,
        clean=clean_text,
    )
    return "texte", text_blocks(text)


# Text ---------------------------------------------------------------------------------------


TEXT_REFUSALS = Refusals(
    too_big=lambda size: (
        f"Le texte fait {megabytes(size)} : un export texte est limité à "
        f"{megabytes(MAX_TEXT_BYTES)}. Vérifiez qu'il s'agit bien d'une seule synthèse."
    ),
    utf16="Le texte est encodé en UTF-16 : enregistrez-le en UTF-8.",
    binary=(
        "Ce fichier est un fichier binaire : ce n'est ni un document Word (.docx) "
        "ni un export texte."
    ),
    not_utf8=lambda line, _position: (
        f"Le texte n'est pas encodé en UTF-8 (caractère invalide à la ligne {line}) : "
        "enregistrez-le en UTF-8, ou importez le document Word d'origine."
    ),
    empty="Le fichier ne contient aucun texte.",
)


def text_blocks(text):
    """Tab-separated lines form tables: a header line opens one, blank lines do not close it."""
    blocks, table = [], None
    for number, line in enumerate(text.split("\n"), start=1):
        where = f"ligne {number}"
        if "\t" in line:
            cells = [html_to_marked(cell) for cell in line.split("\t")]
            if header_columns([plain(cell) for cell in cells]):
                table = Table(rows=[], where=where)
                blocks.append(table)
            if table is not None:
                table.rows.append(TableRow(cells=[[cell] for cell in cells], where=where))
                continue
        if not line.strip(" \t\u00a0"):
            continue
        table = None
        blocks.append(Paragraph(html_to_marked(line), where))
    return blocks


# DOCX ---------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def check_zip(data):
    """Refuses anything but a sane DOCX before python-docx opens it."""
    if len(data) > MAX_DOCX_BYTES:
        raise ImportRefused(
            f"Le document Word fait {megabytes(len(data))} : la limite est de "
            f"{megabytes(MAX_DOCX_BYTES)}. Réduisez ou retirez les images, puis réessayez."
        )
    damaged = ImportRefused(
        "Le fichier est une archive endommagée, ou n'est pas un document Word (.docx)."
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise damaged from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(
            f"L'archive contient {len(members)} fichiers (au plus {MAX_ZIP_MEMBERS}) : "
            "ce n'est pas un document Word ordinaire, il est refusé."
        )
    bomb = ImportRefused(
        "Le document se décompresse en plus de "
        f"{megabytes(MAX_UNCOMPRESSED_BYTES)} : il est refusé (bombe de décompression ?)."
    )
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        raise bomb
    names = {member.filename for member in members}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportRefused(
            "Cette archive ZIP n'est pas un document Word (.docx) : il y manque le document."
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise ImportRefused("Le document est protégé par un mot de passe : retirez la protection.")
    total = 0
    try:
        for member in members:
            is_xml = member.filename.endswith((".xml", ".rels"))
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(256 * 1024):
                    total += len(chunk)
                    if total > MAX_UNCOMPRESSED_BYTES:
                        raise bomb
                    if is_xml and _DOCTYPE.search(tail + chunk):
                        raise ImportRefused(
                            "Le document contient des déclarations XML interdites (DOCTYPE) : "
                            "il est refusé."
                        )
                    tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        raise damaged from None


def docx_blocks(data):
    import docx

    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds of errors on a malformed package
        raise ImportRefused(
            "Le document Word n'a pas pu être lu : il est peut-être endommagé, ou ce n'est "
            "pas un document texte Word (.docx)."
        ) from None
    rels = document.part.rels
    reader = _DocxReader(rels, _style_roles(document))
    reader.read(document.element.body)
    return reader.blocks


def _style_roles(document):
    """{style id: role} of the paragraph styles a platform export writes (by their names)."""
    roles = {}
    for style in document.styles.element.findall(W + "style"):
        name = style.find(W + "name")
        role = style_role(name.get(W + "val") if name is not None else None)
        if role is not None and style.get(W + "type") == "paragraph":
            roles[style.get(W + "styleId")] = role
    return roles


def _is_green(value):
    if not value or len(value) != 6:
        return False
    try:
        red, green, blue = (int(value[index : index + 2], 16) for index in (0, 2, 4))
    except ValueError:
        return False
    return green >= 0x60 and green - red >= 0x40 and green - blue >= 0x40


def _run_emphasised(run):
    properties = run.find(W + "rPr")
    if properties is None:
        return False
    bold = properties.find(W + "b")
    if bold is not None and bold.get(W + "val", "true").lower() not in ("false", "0", "off"):
        return True
    style = properties.find(W + "rStyle")
    if style is not None and style.get(W + "val", "").lower() in ("strong", "lev"):
        return True
    color = properties.find(W + "color")
    return color is not None and _is_green(color.get(W + "val"))


class _DocxReader:
    def __init__(self, rels, roles=None):
        self.rels = rels
        self.roles = roles or {}  # style id → role, for the paragraphs of an export
        self.blocks = []
        self.paragraphs = 0
        self.tables = 0

    def read(self, container):
        for child in container:
            if child.tag == W + "p":
                self.paragraph(child)
            elif child.tag == W + "tbl":
                self.table(child)
            elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
                self.read(child)

    def paragraph(self, element):
        self.paragraphs += 1
        text, links, boxes = self.marked(element)
        self.blocks.append(Paragraph(text, f"paragraphe {self.paragraphs}", links))
        for box in boxes:  # text boxes anchored in the paragraph come after it
            self.read(box)

    def role(self, paragraph):
        """The export role of a paragraph's style, or None."""
        if not self.roles:
            return None
        properties = paragraph.find(W + "pPr")
        style = properties.find(W + "pStyle") if properties is not None else None
        return self.roles.get(style.get(W + "val")) if style is not None else None

    def marked(self, paragraph):
        """(marked text, hyperlink URLs, text boxes) of a paragraph.

        A paragraph made of hyperlinks only is reduced to its URLs: the document format keeps
        a RETEX sheet's links, not their labels. A paragraph of an export style keeps its text
        exactly (tabs, line breaks, spaces, invisible marks) and says its role; the export's
        bookmarks and internal links become marks (see markup).
        """
        parts, links, labels, boxes = [], [], [], []
        role = self.role(paragraph)

        def walk(element):
            for child in element:
                tag = child.tag
                if tag == W + "r":
                    run(child)
                elif tag == W + "txbxContent":
                    boxes.append(child)
                elif tag in (MC_FALLBACK, W + "del", W + "moveFrom"):
                    continue
                elif tag == W + "bookmarkStart":
                    name = child.get(W + "name") or ""
                    if EXPORT_MARK.fullmatch(name):
                        parts.append(f"{MARK_OPEN}{name}{MARK_CLOSE}")
                else:
                    if tag == W + "hyperlink":
                        rel = self.rels.get(child.get(R_ID)) if child.get(R_ID) else None
                        if rel is not None and rel.is_external:
                            links.append(rel.target_ref)
                            labels.append("".join(t.text or "" for t in child.iter(W + "t")))
                        anchor = child.get(W + "anchor") or ""
                        if EXPORT_MARK.fullmatch(anchor):
                            parts.append(f"{ANCHOR_OPEN}{anchor}{ANCHOR_CLOSE}")
                    walk(child)

        def run(element):
            text = []
            for child in element:
                if child.tag == W + "t":
                    text.append(child.text or "")
                elif child.tag == W + "tab":
                    text.append("\t" if role else " ")
                elif child.tag in (W + "br", W + "cr"):
                    text.append("\n")
                elif child.tag == W + "noBreakHyphen":
                    text.append("-")
                else:
                    walk(child)  # drawings may hold text boxes
            # XML holds no control character but tab and line feed: an export's text as is.
            text = "".join(text) if role else clean_text("".join(text))
            if text.strip() and _run_emphasised(element):
                text = "\x01" + text + "\x02"
            parts.append(text)

        walk(paragraph)
        text = "".join(parts)
        if links and plain(text) == plain(" ".join(labels)):
            text = ""
        if role:
            text = exact_paragraph(role, text)
        return text, links, boxes

    def cell_lines(self, cell):
        return [self.marked(paragraph)[0] for paragraph in cell.iter(W + "p")]

    def table(self, element):
        self.tables += 1
        table = Table(rows=[], where=f"tableau {self.tables}")
        above = []
        # Rows of nested tables are read as the text of their cell.
        for number, row in enumerate(element.findall(W + "tr"), start=1):
            cells, continued = [], set()
            properties = row.find(W + "trPr")
            before = properties.find(W + "gridBefore") if properties is not None else None
            if before is not None:
                cells.extend([[]] * int(before.get(W + "val", "0") or 0))
            for cell in row.findall(W + "tc"):
                cell_properties = cell.find(W + "tcPr")
                span, merge = 1, None
                if cell_properties is not None:
                    grid_span = cell_properties.find(W + "gridSpan")
                    if grid_span is not None:
                        span = max(int(grid_span.get(W + "val", "1") or 1), 1)
                    merge = cell_properties.find(W + "vMerge")
                index = len(cells)
                if merge is not None and merge.get(W + "val", "continue") == "continue":
                    continued.add(index)
                    cells.append(above[index] if index < len(above) else [])
                else:
                    cells.append(self.cell_lines(cell))
                cells.extend([[]] * (span - 1))
            above = cells
            where = f"tableau {self.tables}, ligne {number}"
            table.rows.append(TableRow(cells=cells, where=where, continued=continued))
        self.blocks.append(table)
