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
import posixpath
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


def grouped(number):
    """« 30 000 »: French thousands, a narrow no-break space."""
    return f"{number:,}".replace(",", "\u202f")


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
#
# The parts are read by their relationships, as Word does ([Content_Types].xml, _rels/.rels,
# the main part, its relationships and its styles), whatever their names, and each one is
# parsed as a stream by lxml with no DTD (refused with its part named, whatever the encoding),
# no entity resolved and no network. The body is read one block (paragraph or table) at a
# time, then dropped: memory is bounded by the largest block, and the counts below stop a
# hostile document long before it costs seconds or hundreds of megabytes.

# A regional synthesis written by the platform has 650 paragraphs and 4,600 XML elements;
# one written in Word a few times more. An import holds at most 10,000 statements.
MAX_DOCX_PARAGRAPHS = 30_000
MAX_PART_ELEMENTS = 300_000
MAX_BLOCK_ELEMENTS = 100_000
MAX_SMALL_PART_ELEMENTS = 100_000  # content types, relationships (one per hyperlink)
MAX_DOCX_CHARACTERS = 2_000_000
# Word's own maximum: a column count or span above it is a hostile file, not a table.
MAX_TABLE_COLUMNS = 63

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MAIN_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
FORBIDDEN_DECLARATION = (
    "Le document contient des déclarations XML interdites (DOCTYPE) : il est refusé."
)
UNREADABLE = (
    "Le document Word n'a pas pu être lu : il est peut-être endommagé, ou ce n'est pas un "
    "document texte Word (.docx)."
)
NOT_A_DOCX = "Cette archive ZIP n'est pas un document Word (.docx) : il y manque le document."


def check_zip(data):
    """Refuses anything but a sane DOCX before any part is parsed."""
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
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise ImportRefused(NOT_A_DOCX)
    if any(member.flag_bits & 0x1 for member in members):
        raise ImportRefused("Le document est protégé par un mot de passe : retirez la protection.")
    total = 0
    try:
        for member in members:
            # A quick look at the bytes of the usual XML parts; the parser is the real guard.
            is_xml = member.filename.endswith((".xml", ".rels"))
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(256 * 1024):
                    total += len(chunk)
                    if total > MAX_UNCOMPRESSED_BYTES:
                        raise bomb
                    if is_xml and _DOCTYPE.search(tail + chunk):
                        raise ImportRefused(FORBIDDEN_DECLARATION)
                    tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        raise damaged from None
    return archive


def _xml_events(archive, name, *, on_start=None, limit=MAX_PART_ELEMENTS):
    """(event, element, depth) of a part, parsed as a stream with no DTD and no entity.

    `depth` is the element's (the root's is 0). Refuses, in French, a DOCTYPE, an XML
    error, and more than `limit` elements; `on_start(element, depth)` sees each
    start event first.
    """
    from lxml import etree

    try:
        stream = archive.open(name)
    except KeyError:
        raise ImportRefused(NOT_A_DOCX) from None
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )
    depth, elements = -1, 0
    try:
        with stream:
            for event, element in events:
                if event == "start":
                    depth += 1
                    elements += 1
                    if depth == 0 and element.getroottree().docinfo.doctype:
                        raise ImportRefused(FORBIDDEN_DECLARATION)
                    if elements > limit:
                        raise ImportRefused(
                            f"La partie « {name} » du document compte plus de "
                            f"{grouped(limit)} éléments XML : ce n'est pas un "
                            "document du modèle national, il est refusé."
                        )
                    if on_start is not None:
                        on_start(element, depth)
                    yield event, element, depth
                else:
                    yield event, element, depth
                    depth -= 1
    except etree.XMLSyntaxError as error:
        declaration = "entity" in str(error).lower() or "doctype" in str(error).lower()
        raise ImportRefused(
            FORBIDDEN_DECLARATION
            if declaration
            else f"Le document Word n'a pas pu être lu : sa partie « {name} » n'est pas du XML "
            "valide (document endommagé ?)."
        ) from None
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError):
        raise ImportRefused(UNREADABLE) from None


def _entries(archive, name, tag):
    """The attributes of each `tag` element, one by one, of a small part (content types,
    relationships)."""
    for event, element, depth in _xml_events(archive, name, limit=MAX_SMALL_PART_ELEMENTS):
        if event == "end" and depth == 1:
            if element.tag == tag:
                yield element.attrib
            element.clear()


def _relationships(archive, part):
    """(type, id, resolved target or external URL, external) of a part's relationships."""
    folder, _, file = part.rpartition("/")
    name = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
    if name not in archive.NameToInfo:
        return
    for attributes in _entries(archive, name, PR + "Relationship"):
        target = attributes.get("Target", "")
        external = attributes.get("TargetMode") == "External"
        if not external:
            target = posixpath.normpath(posixpath.join("/" + folder, target)).lstrip("/")
        yield attributes.get("Type", ""), attributes.get("Id"), target, external


def _content_type(archive, part):
    override = default = None
    extension = part.rpartition(".")[2].lower()
    for attributes in _entries(archive, "[Content_Types].xml", CT + "Override"):
        if attributes.get("PartName", "").lstrip("/").lower() == part.lower():
            override = attributes.get("ContentType")
    for attributes in _entries(archive, "[Content_Types].xml", CT + "Default"):
        if attributes.get("Extension", "").lower() == extension:
            default = attributes.get("ContentType")
    return override or default


def docx_blocks(data):
    archive = check_zip(data)
    main = None
    for kind, _id, target, external in _relationships(archive, ""):
        if kind == RT + "officeDocument" and not external and main is None:
            main = target
    if main is None or main not in archive.NameToInfo:
        raise ImportRefused(NOT_A_DOCX)
    if _content_type(archive, main) != MAIN_CONTENT_TYPE:
        raise ImportRefused(UNREADABLE)
    links, styles = {}, None
    for kind, rid, target, external in _relationships(archive, main):
        if external:
            links[rid] = target
        elif kind == RT + "styles" and styles is None:
            styles = target
    roles = _style_roles(archive, styles) if styles in archive.NameToInfo else {}
    reader = _DocxReader(links, roles)
    reader.stream(archive, main)
    return reader.blocks


def _style_roles(archive, name):
    """{style id: role} of the paragraph styles a platform export writes (by their names)."""
    roles = {}
    for event, style, depth in _xml_events(archive, name):
        if event == "end" and depth == 1:
            if style.tag == W + "style":
                name_element = style.find(W + "name")
                role = style_role(name_element.get(W + "val") if name_element is not None else None)
                if role is not None and style.get(W + "type") == "paragraph":
                    roles[style.get(W + "styleId")] = role
            style.clear()
    return roles


def _columns(value, default):
    """A column count or span of a table, within Word's limit (a hostile one would allocate
    gigabytes)."""
    try:
        return min(max(int(value or default), 0), MAX_TABLE_COLUMNS)
    except ValueError:
        return default


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
    def __init__(self, links, roles=None):
        self.links = links  # relationship id → external URL
        self.roles = roles or {}  # style id → role, for the paragraphs of an export
        self.blocks = []
        self.paragraphs = 0
        self.tables = 0

    def stream(self, archive, part):
        """Reads the body one block at a time, within the limits of the module."""
        counts = {"paragraphs": 0, "block": 0, "characters": 0}

        def count(element, depth):
            counts["block"] = counts["block"] + 1 if depth > 2 else 1
            if counts["block"] > MAX_BLOCK_ELEMENTS:
                raise ImportRefused(
                    f"Un paragraphe ou un tableau du document compte plus de "
                    f"{grouped(MAX_BLOCK_ELEMENTS)} éléments XML : ce n'est pas un document "
                    "du modèle national, il est refusé."
                )
            if element.tag == W + "p":
                counts["paragraphs"] += 1
                if counts["paragraphs"] > MAX_DOCX_PARAGRAPHS:
                    raise ImportRefused(
                        f"Le document compte plus de {grouped(MAX_DOCX_PARAGRAPHS)} paragraphes "
                        "(limite d'un import) : importez chaque synthèse séparément."
                    )

        for event, element, depth in _xml_events(archive, part, on_start=count):
            if event != "end":
                continue
            if element.tag == W + "t" and element.text:
                counts["characters"] += len(element.text)
                if counts["characters"] > MAX_DOCX_CHARACTERS:
                    raise ImportRefused(
                        f"Le texte du document dépasse {grouped(MAX_DOCX_CHARACTERS)} "
                        "caractères (limite d'un import, comme un export texte de 2 Mo) : "
                        "importez chaque synthèse séparément."
                    )
            if depth == 2 and element.getparent().tag == W + "body":
                self.read([element])
                # Drop the block and everything before it: memory stays that of one block.
                element.clear()
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]

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
                        url = self.links.get(child.get(R_ID)) if child.get(R_ID) else None
                        if url is not None:
                            links.append(url)
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
                cells.extend([[]] * _columns(before.get(W + "val"), 0))
            for cell in row.findall(W + "tc"):
                cell_properties = cell.find(W + "tcPr")
                span, merge = 1, None
                if cell_properties is not None:
                    grid_span = cell_properties.find(W + "gridSpan")
                    if grid_span is not None:
                        span = max(_columns(grid_span.get(W + "val"), 1), 1)
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
