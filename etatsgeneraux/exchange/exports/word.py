"""The Word document (DOCX) in the national template, that a region keeps editing in Word and
imports back (etatsgeneraux.exchange.importing) into the same synthesis.

The layout is the template's: the introduction (one table per session), then for each
thematic « THÉMATIQUE N°k : … » and its three stages, « 1. Retour d’expérience… » with the
RETEX sheets and the diagnostic table, « 2. Projections » and « 3. Plan d’action » with
their tables, under the template's column headings (the registry's labels, which the importer
recognises); then the flagship-proposal sheets, field by field. Each statement is a
paragraph with a ▶ bullet, an emphasised one in bold and green.

What the template leaves to guesswork is stated exactly, in ways Word keeps as people edit:

- paragraph styles of the platform (« Synthèse – énoncé », « Synthèse – thématique de la
  ligne »…, `importing.markup.EXPORT_STYLES`): a paragraph of such a style is read back as
  written, one field or one statement, line breaks (Maj+Entrée), tabs and spaces included.
  Entrée at the end of a statement starts the next one, in the same style;
- hidden bookmarks: `_egt<n>` on a thematic's heading (the national thematic, whatever its
  title says), `_egs<n>` on a statement that another is linked to; a linked main irritant or
  axis is an internal link to its source's bookmark (Ctrl+clic leads to it), and `_egx<n>`
  marks one that is not linked although an earlier statement has its very text (the import
  would link it otherwise).

What it does not carry: the introduction is written for reading (the import never reads it:
sessions, facilitators and participants stay as they are), a RETEX link's label (its address
is kept), carriage returns (a line break is a line break), control characters (XML holds
none). An empty title of a section comes back as the national thematic's title, which the
platform shows anyway; positions come back as ranks (1, 2, 3…), gaps closed.
"""

import io
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from etatsgeneraux.exchange.documents import RETEX_REFERENCES
from etatsgeneraux.exchange.importing.markup import (
    EXPORT_STYLES,
    ROLE_HORIZON,
    ROLE_INTRODUCTION,
    ROLE_RETEX,
    ROLE_RETEX_LABEL,
    ROLE_RETEX_TEXT,
    ROLE_RETEX_TITLE,
    ROLE_ROW,
    ROLE_STATEMENT,
    ROLE_TITLE,
    ROLE_VALUE,
)
from etatsgeneraux.stages import LINKED_COLUMNS, STAGES
from workshops.text import NBSP

from .bundle import sections
from .common import EFFORTS, FORMATS, HORIZONS, author, columns, proposal_label, xml_text

GREEN = "008A3E"  # « en gras et en vert »; the importer reads green as emphasis too
HEADER_FILL = "DDE5F4"
RETEX_HEADING = "Retours d’expérience présentés lors des ateliers"
PROPOSAL_HEADING = (
    "TITRE DE LA PROPOSITION PHARE / DU DISPOSITIF MIS EN PLACE / DE LA PRATIQUE GÉNÉRALISABLE"
)

TO_COMPLETE = "À compléter"
# The flagship sheet, as the template lays it out: (heading or None, fields under it).
PROPOSAL_LAYOUT = [
    ("DESCRIPTION", ["summary"]),
    ("IMPACTS", ["establishments", "pupils", "parents", "teachers", "territory", "referent"]),
    ("MODALITÉS DE MISE EN ŒUVRE", ["means_financial", "means_human", "means_legal"]),
    ("DIFFICULTÉS PRINCIPALES RENCONTRÉES", ["difficulties"]),
    ("BESOINS NÉCESSAIRES POUR PÉRENNISER LE DISPOSITIF", ["sustainability_needs"]),
    ("EFFORTS DE MISE EN PLACE", ["effort"]),
    ("TEMPORALITÉ NÉCESSAIRE", ["time_needed"]),
]
# Fields whose heading is their label: their value follows it directly.
HEADED_FIELDS = {"difficulties", "sustainability_needs", "effort", "time_needed"}
# A4 landscape, 1.5 cm margins, in twentieths of a point.
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 16838, 11906, 850
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
STYLE_IDS = {role: style_id for role, (style_id, _name) in EXPORT_STYLES.items()}


def _attr(text):
    return escape(xml_text(text), {'"': "&quot;"})


def _runs(text, *, bold=False, emphasised=False):
    """Runs of a text: line breaks as <w:br/>, tabs as <w:tab/>, nothing XML cannot hold."""
    text = xml_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text:
        return ""
    properties = ""
    if emphasised:
        properties = f'<w:rPr><w:b/><w:bCs/><w:color w:val="{GREEN}"/></w:rPr>'
    elif bold:
        properties = "<w:rPr><w:b/><w:bCs/></w:rPr>"
    parts = []
    for index, line in enumerate(text.split("\n")):
        if index:
            parts.append("<w:br/>")
        for position, piece in enumerate(line.split("\t")):
            if position:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f"<w:r>{properties}{''.join(parts)}</w:r>"


def _paragraph(content="", style=None, *, keep_next=False):
    properties = ""
    if style or keep_next:
        properties = "<w:pPr>"
        properties += f'<w:pStyle w:val="{style}"/>' if style else ""
        properties += "<w:keepNext/>" if keep_next else ""
        properties += "</w:pPr>"
    return f"<w:p>{properties}{content}</w:p>"


class _Writer:
    def __init__(self, document, bundle):
        self.document = document
        self.bundle = bundle
        self.parts = []
        self.bookmark_id = 0
        self.mark_number = 0

    def add(self, xml):
        self.parts.append(xml)

    def text(self, text, style=None, *, bold=False, keep_next=False):
        self.add(_paragraph(_runs(text, bold=bold), style, keep_next=keep_next))

    def role(self, role, text, *, bold=False, emphasised=False, marks=""):
        """A paragraph of an export style: read back exactly (see the importer)."""
        runs = _runs(text, bold=bold, emphasised=emphasised)
        return _paragraph(marks + runs if marks else runs, STYLE_IDS[role])

    def bookmark(self, name, content):
        self.bookmark_id += 1
        number = self.bookmark_id
        return (
            f'<w:bookmarkStart w:id="{number}" w:name="{name}"/>{content}'
            f'<w:bookmarkEnd w:id="{number}"/>'
        )

    def next_mark(self, kind):
        self.mark_number += 1
        return f"_eg{kind}{self.mark_number}"

    def hyperlink(self, url, label):
        rel = self.document.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>'
        runs = _runs(label).replace("<w:r>", f"<w:r>{link}")
        return f'<w:hyperlink r:id="{rel}" w:history="1">{runs}</w:hyperlink>'

    # Tables ------------------------------------------------------------------------------------

    def table(self, widths, header, rows):
        """A table of the template: a header row repeated on each page, then `rows`, each a
        list of cells, each a list of paragraph XML strings."""
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
        xml = [
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>'
            f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>"
        ]
        if header is not None:
            cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>'
                f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr>'
                f"{_paragraph(_runs(text, bold=True))}</w:tc>"
                for width, text in zip(widths, header, strict=True)
            )
            xml.append(f"<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>{cells}</w:tr>")
        for row in rows:
            cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                f"{''.join(paragraphs) or _paragraph()}</w:tc>"
                for width, paragraphs in zip(widths, row, strict=True)
            )
            xml.append(f"<w:tr>{cells}</w:tr>")
        xml.append("</w:tbl>")
        self.add("".join(xml))
        self.add(_paragraph())  # Word needs a paragraph between two tables

    # The document ------------------------------------------------------------------------------

    def write(self, entry):
        fields = entry.fields
        region = self.bundle.regions.get(fields["region"])
        department = (
            self.bundle.departments.get(fields["department"]) if fields["department"] else None
        )
        self.add(self.role(ROLE_TITLE, fields["title"]))
        self.text("Introduction", "Heading1")
        self.text(f"Nom de la Région académique{NBSP}: {region.name if region else ''}")
        if department is not None:
            self.text(f"Nom du département{NBSP}: {department.name} ({department.code})")
        for session in entry.content["sessions"]:
            self.session(session)
        if entry.content["retex"]:
            self.text(RETEX_HEADING, "Heading2", keep_next=True)
            for sheet in entry.content["retex"]:
                self.sheet(sheet)
        for section in sections(self.bundle, entry):
            self.section(section)
        for proposal in entry.content["flagship_proposals"]:
            self.proposal(proposal)

    def session(self, session):
        intro = ROLE_INTRODUCTION
        self.add(self.role(intro, session["title"], bold=True))
        formats = "   ".join(
            f"{'☒' if session['format'] == value else '☐'} {label}"
            for value, label in FORMATS.items()
        )
        people = [
            self.role(
                intro,
                person["name"]
                + (f", {person['role']}" if person["role"] else "")
                + (f" ({person['note']})" if person["note"] else ""),
            )
            for person in session["facilitators"]
        ]
        if session["facilitators_note"]:
            people.append(self.role(intro, session["facilitators_note"]))
        found = {item["category"]: item for item in session["participations"]}
        participants = []
        for number, category in sorted(self.bundle.categories.items()):
            item = found.get(number) or {}
            line = f"{'☒' if item.get('ticked') else '☐'} {category.label}"
            if item.get("participants") is not None:
                line += f" – Nombre de participants{NBSP}: {item['participants']}"
            if item.get("establishments") is not None:
                line += f" – Nombre d’établissements représentés{NBSP}: {item['establishments']}"
            if item.get("note"):
                line += f" ({item['note']})"
            participants.append(self.role(intro, line))
        label_width = 3600
        self.table(
            [label_width, TEXT_WIDTH - label_width],
            None,
            [
                [
                    [self.role(intro, "Date(s) et lieu(x) de la session", bold=True)],
                    [self.role(intro, session["dates_places"])],
                ],
                [
                    [self.role(intro, "Format de la session", bold=True)],
                    [self.role(intro, formats)],
                ],
                [[self.role(intro, "Animateurs de la session", bold=True)], people],
                [[self.role(intro, "Participants à la session", bold=True)], participants],
            ],
        )

    def sheet(self, sheet):
        heading = f"RETEX {sheet['number']}"
        if sheet["origin"]:
            heading += f" ({sheet['origin']})"
        self.add(self.role(ROLE_RETEX, heading))
        if sheet["title"]:
            self.add(self.role(ROLE_RETEX_TITLE, sheet["title"], bold=True))
        if sheet["text"]:
            self.add(self.role(ROLE_RETEX_TEXT, sheet["text"]))
        for link in sheet["links"]:
            self.add(_paragraph(self.hyperlink(link["url"], link["label"] or link["url"])))

    def section(self, section):
        # The national number, as everywhere on the platform (README, « Numérotation »).
        heading = _runs(f"THÉMATIQUE N°{section.number}{NBSP}: {section.title}")
        self.add(_paragraph(self.bookmark(f"_egt{section.number}", heading), "Heading1"))
        marks = self.link_marks(section)
        for stage in STAGES.values():
            self.text(f"{stage.number}. {stage.label}", "Heading2", keep_next=True)
            if RETEX_REFERENCES in stage.row_keys and section.data["retex"]:
                self.text(RETEX_HEADING, bold=True, keep_next=True)
                for sheet in section.data["retex"]:
                    self.sheet(sheet)
            self.text(stage.table_caption, bold=True, keep_next=True)
            layout = [item for item in columns(stage) if item[0] not in ("retex_label", "horizon")]
            widths = _widths(layout)
            rows = []
            for row in section.stages[stage.key]:
                cells = []
                for key, cell, _heading in layout:
                    if cell is not None:
                        cells.append(self.statements(row, cell, marks))
                    elif key == RETEX_REFERENCES:
                        cells.append(self.retex_cell(row))
                    else:  # the row's « Thématique concernée »
                        cells.append([self.role(ROLE_ROW, row.data["thematic_label"])])
                rows.append(cells)
            self.table(widths, [heading for _key, _cell, heading in layout], rows)

    def link_marks(self, section):
        """{statement id: bookmark} of the statements linked to, and {statement id: « not
        linked » bookmark} of the unlinked ones the import would link by their text."""
        names = {}
        for (stage_key, column), (target_stage, target_column) in LINKED_COLUMNS.items():
            texts = set()
            for row in section.stages[target_stage]:
                texts.update(item.text for item in row.cells[target_column])
            for row in section.stages[stage_key]:
                for item in row.cells[column]:
                    if item.source is not None:
                        if item.source.id not in names:
                            names[item.source.id] = self.next_mark("s")
                    elif _written(item) in texts:
                        names[item.id] = self.next_mark("x")
        return names

    def statements(self, row, cell, marks):
        paragraphs = []
        if HORIZONS.get(row.data.get("horizon")) and "horizon" in cell.row_keys:
            paragraphs.append(self.role(ROLE_HORIZON, HORIZONS[row.data["horizon"]], bold=True))
        for item in row.cells[cell.key]:
            runs = _runs(_written(item), emphasised=item.emphasised)
            if item.source is not None:
                tooltip = _attr(f"Relié à{NBSP}: {item.source.text}"[:250])
                runs = (
                    f'<w:hyperlink w:anchor="{marks[item.source.id]}" w:tooltip="{tooltip}" '
                    f'w:history="1">{runs}</w:hyperlink>'
                )
            name = marks.get(item.id)
            if name is not None:
                runs = self.bookmark(name, runs)
            paragraphs.append(_paragraph(runs, STYLE_IDS[ROLE_STATEMENT]))
        if not any(p for p in paragraphs if STYLE_IDS[ROLE_STATEMENT] in p):
            paragraphs.append(_paragraph("", STYLE_IDS[ROLE_STATEMENT]))  # ready to type in
        return paragraphs

    def retex_cell(self, row):
        paragraphs = []
        if row.sheets:
            paragraphs.append(_paragraph(_runs(row.retex_numbers)))
        if row.data.get("retex_label"):
            paragraphs.append(self.role(ROLE_RETEX_LABEL, row.data["retex_label"]))
        return paragraphs

    def proposal(self, proposal):
        self.text(PROPOSAL_HEADING, "Heading1", keep_next=True)
        self.add(self.role(ROLE_VALUE, proposal["title"], bold=True))
        for heading, names in PROPOSAL_LAYOUT:
            self.text(heading, "Heading2", keep_next=True)
            for name in names:
                if name not in HEADED_FIELDS:
                    self.text(f"{proposal_label(name)}{NBSP}:", bold=True, keep_next=True)
                value = proposal[name]
                if name == "effort":
                    self.text(EFFORTS.get(value, TO_COMPLETE))
                elif name == "time_needed":
                    self.text(HORIZONS.get(value, TO_COMPLETE))
                elif value:
                    self.add(self.role(ROLE_VALUE, value))
                else:
                    self.text(TO_COMPLETE)


def _written(item):
    """A statement's text as the document writes it: as written, else its source's."""
    return item.text or item.shown


def _widths(layout):
    """Column widths: the row fields narrow, the statement columns share the rest."""
    fixed = {"thematic_label": 2300, RETEX_REFERENCES: 1300}
    used = sum(fixed.get(key, 0) for key, cell, _heading in layout if cell is None)
    statement_columns = sum(1 for _key, cell, _heading in layout if cell is not None)
    width = (TEXT_WIDTH - used) // max(statement_columns, 1)
    return [width if cell is not None else fixed.get(key, 1500) for key, cell, _h in layout]


# Styles, numbering, page ---------------------------------------------------------------------


def _setup(document, bundle, entry):
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        for lang in defaults.iter(qn("w:lang")):
            lang.set(qn("w:val"), "fr-FR")
    bullet = _bullet_numbering(document)
    based_on = {
        ROLE_TITLE: "Title",
        ROLE_RETEX: "Heading3",
    }
    for role, (style_id, name) in EXPORT_STYLES.items():
        paragraph = ""
        if role == ROLE_STATEMENT:
            paragraph = (
                f'<w:pPr><w:numPr><w:numId w:val="{bullet}"/></w:numPr>'
                '<w:spacing w:before="0" w:after="40"/>'
                '<w:ind w:left="284" w:hanging="284"/></w:pPr>'
            )
        elif role in (ROLE_ROW, ROLE_RETEX_LABEL, ROLE_HORIZON, ROLE_INTRODUCTION):
            paragraph = '<w:pPr><w:spacing w:before="0" w:after="40"/></w:pPr>'
        styles.append(
            parse_xml(
                f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" '
                f'w:styleId="{style_id}"><w:name w:val="{_attr(name)}"/>'
                f'<w:basedOn w:val="{based_on.get(role, "Normal")}"/>'
                f'<w:next w:val="{style_id}"/><w:qFormat/>{paragraph}</w:style>'
            )
        )
    section = document.sections[0]
    properties = section._sectPr
    size = properties.find(qn("w:pgSz"))
    if size is None:
        size = parse_xml(f"<w:pgSz {nsdecls('w')}/>")
        properties.append(size)
    size.set(qn("w:w"), str(PAGE_WIDTH))
    size.set(qn("w:h"), str(PAGE_HEIGHT))
    size.set(qn("w:orient"), "landscape")
    margins = properties.find(qn("w:pgMar"))
    for side in ("w:top", "w:bottom", "w:left", "w:right"):
        margins.set(qn(side), str(MARGIN))
    core = document.core_properties
    region = bundle.regions.get(entry.fields["region"])
    core.title = xml_text(entry.fields["title"])[:255]
    core.author = author(region.name if region else "")
    core.subject = "États généraux du numérique pour l’éducation"
    core.language = "fr-FR"
    core.keywords = "États généraux du numérique pour l’éducation; synthèse; DANE"
    core.created = core.modified = bundle.exported_at.replace(tzinfo=None)
    core.last_modified_by = ""
    core.comments = "Licence Ouverte / Etalab 2.0"


def _bullet_numbering(document):
    """A ▶ bullet list for the statements' style; returns its numId."""
    numbering = document.part.numbering_part.element
    abstract_ids = [
        int(e.get(qn("w:abstractNumId"))) for e in numbering.iterchildren(qn("w:abstractNum"))
    ]
    num_ids = [int(e.get(qn("w:numId"))) for e in numbering.iterchildren(qn("w:num"))]
    abstract_id, num_id = max(abstract_ids, default=0) + 1, max(num_ids, default=0) + 1
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        '<w:lvlText w:val="▶"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="284" w:hanging="284"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial" w:hint="default"/>'
        '<w:sz w:val="14"/></w:rPr></w:lvl></w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
            "</w:num>"
        )
    )
    return num_id


def write(bundle):
    """The DOCX of the bundle's synthesis (one: the national template is per synthesis)."""
    [entry] = bundle.entries
    document = docx.Document()
    _setup(document, bundle, entry)
    writer = _Writer(document, bundle)
    writer.write(entry)
    body = document.element.body
    fragment = parse_xml(f"<w:body {nsdecls('w', 'r')}>{''.join(writer.parts)}</w:body>")
    closing = body[-1]  # the section properties stay last
    for element in list(fragment):
        closing.addprevious(element)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()
