"""The workbook (XLSX): the three tables of the national template, one sheet per stage, for a
DANE to read, sort, filter and edit; and one row per statement for those who count.

Stage sheets have one row per row of the template's table, its statements one per line in
their cell, each after a ▶ as in the template, an emphasised one in bold: a row of a
workshop (irritants → needs → levers, or an axis with its actions, actors, timing and
indicators) reads across, as in the Word document, and stays one row when a DANE sorts or
filters. The « Énoncés » sheet lists every statement on its own row with its stable
identifier (as the CSV files do), for pivot tables and counts. Headers are frozen and
filtered, columns sized, text wrapped.

Written with XlsxWriter (write-only, about twice as fast as openpyxl for the same workbook:
`manage.py bench_exports --openpyxl`, figures in the README). Every text is written as text,
never as a formula (`=…` stays what it is). A cell holds at most 32,767 characters in Excel: a
table cell longer than that (twenty statements of 2,000 characters) is cut and says so; the
« Énoncés » sheet has every statement whole. The workbook is not read back by the platform:
the DOCX and the JSON are.
"""

import io

import xlsxwriter
from django.utils.formats import date_format
from django.utils.timezone import localtime

from etatsgeneraux.exchange.documents import FLAGSHIP_FIELDS, RETEX_REFERENCES
from etatsgeneraux.stages import STAGES

from . import ids
from .bundle import retex_sheets, sections
from .common import (
    EFFORTS,
    FORMATS,
    HORIZONS,
    LICENCE,
    PLATFORM,
    author,
    columns,
    proposal_label,
)

BULLET = "▶ "
CELL_LIMIT = 32_000  # Excel's is 32,767 characters; some count twice (UTF-16)
CUT = "\n[…] Texte coupé : la feuille « Énoncés » donne chaque énoncé en entier."
NARROW, MEDIUM, WIDE = 10, 24, 48


class _Writer:
    def __init__(self, bundle):
        self.bundle = bundle
        self.stream = io.BytesIO()
        self.book = xlsxwriter.Workbook(
            self.stream,
            {
                "in_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        base = {"valign": "top", "text_wrap": True, "font_name": "Arial", "font_size": 10}
        self.text = self.book.add_format(base)
        self.bold_text = self.book.add_format({**base, "bold": True})
        self.bold = self.book.add_format({"bold": True})
        self.header = self.book.add_format(
            {**base, "bold": True, "bg_color": "#DDE5F4", "border": 1, "border_color": "#9AA5C0"}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14, "font_name": "Arial"})
        self.views = [(entry, sections(bundle, entry)) for entry in bundle.entries]

    def sheet(self, name, headings):
        """A sheet with its header row (frozen) and column widths: headings (title, width)."""
        sheet = self.book.add_worksheet(name)
        for column, (heading, width) in enumerate(headings):
            sheet.write_string(0, column, heading, self.header)
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        sheet.set_row(0, 30)
        return sheet

    def finish(self, sheet, rows, headings):
        """Filters over the whole table (from its header to its last row)."""
        sheet.autofilter(0, 0, max(rows, 1), len(headings) - 1)

    def value(self, sheet, row, column, value, style=None):
        if value is None or value == "":
            return
        if isinstance(value, bool):
            sheet.write_string(row, column, "Oui" if value else "Non", style or self.text)
        elif isinstance(value, int):
            sheet.write_number(row, column, value, style or self.text)
        else:
            sheet.write_string(row, column, _cut(str(value)), style or self.text)

    def statements(self, sheet, row, column, items):
        """A cell of statements: « ▶ text » lines, the emphasised ones in bold."""
        fragments, length = [], 0

        def add(bold, text):
            if fragments and fragments[-1][0] == bold:
                fragments[-1] = (bold, fragments[-1][1] + text)
            else:
                fragments.append((bold, text))

        for index, item in enumerate(items):
            text = ("\n" if index else "") + BULLET + item.shown
            if length + len(text) > CELL_LIMIT - len(CUT):
                add(False, CUT)
                break
            length += len(text)
            add(item.emphasised, text)
        if not fragments:
            return
        if len(fragments) == 1:
            bold, text = fragments[0]
            sheet.write_string(row, column, text, self.bold_text if bold else self.text)
            return
        parts = []
        for bold, text in fragments:
            parts += [self.bold, text] if bold else [text]
        sheet.write_rich_string(row, column, *parts, self.text)

    # Sheets --------------------------------------------------------------------------------

    def stage_sheets(self):
        national = self.bundle.national
        for stage in STAGES.values():
            layout = columns(stage)
            headings = [("Synthèse", MEDIUM)] if national else []
            headings += [("N°", 5), ("Thématique", MEDIUM), ("Ligne", 7)]
            for key, cell, heading in layout:
                if key == "retex_label":
                    continue  # with the sheets' numbers, as the template's « RETEX » column
                width = WIDE if cell is not None else (NARROW if key == "horizon" else MEDIUM)
                headings.append((heading, width))
            sheet = self.sheet(stage.short_label, headings)
            number = 0
            for entry, views in self.views:
                for section in views:
                    for row in section.stages[stage.key]:
                        number += 1
                        column = 0
                        if national:
                            self.value(sheet, number, column, entry.slug)
                            column += 1
                        self.value(sheet, number, column, section.data["position"])
                        self.value(sheet, number, column + 1, section.title)
                        self.value(sheet, number, column + 2, row.position)
                        column += 3
                        for key, cell, _heading in layout:
                            if key == "retex_label":
                                continue
                            if cell is not None:
                                self.statements(sheet, number, column, row.cells[cell.key])
                            elif key == RETEX_REFERENCES:
                                retex = [row.retex_numbers, row.data.get("retex_label", "")]
                                self.value(sheet, number, column, "\n".join(filter(None, retex)))
                            elif key == "horizon":
                                self.value(sheet, number, column, HORIZONS.get(row.data[key], ""))
                            else:
                                self.value(sheet, number, column, row.data[key])
                            column += 1
            self.finish(sheet, number, headings)

    def statement_sheet(self):
        national = self.bundle.national
        headings = [("Identifiant", WIDE)]
        headings += [("Synthèse", MEDIUM)] if national else []
        headings += [
            ("N°", 5),
            ("Étape", MEDIUM),
            ("Ligne", 7),
            ("Colonne", MEDIUM),
            ("Position", 9),
            ("Texte", WIDE),
            ("Mis en avant", NARROW),
            ("Relié à", WIDE),
            ("Texte tel qu’écrit, s’il diffère", WIDE),
        ]
        sheet = self.sheet("Énoncés", headings)
        text, bold, write, number_cell = (
            self.text,
            self.bold_text,
            sheet.write_string,
            sheet.write_number,
        )
        number = 0
        for entry, views in self.views:
            for section in views:
                position = section.data["position"]
                for stage in STAGES.values():
                    for row in section.stages[stage.key]:
                        for cell in stage.cells:
                            for item in row.cells[cell.key]:
                                number += 1
                                write(number, 0, item.id, text)
                                column = 1
                                if national:
                                    write(number, 1, entry.slug, text)
                                    column = 2
                                number_cell(number, column, position, text)
                                write(number, column + 1, stage.short_label, text)
                                number_cell(number, column + 2, row.position, text)
                                write(number, column + 3, cell.label, text)
                                number_cell(number, column + 4, item.position, text)
                                shown = item.shown
                                write(number, column + 5, shown, bold if item.emphasised else text)
                                write(number, column + 6, "Oui" if item.emphasised else "Non", text)
                                if item.source is not None:
                                    write(number, column + 7, item.source.id, text)
                                if item.text != shown:
                                    self.value(sheet, number, column + 8, item.text)
        self.finish(sheet, number, headings)

    def retex_sheet(self):
        headings = [
            ("Identifiant", WIDE),
            ("Synthèse", MEDIUM),
            ("Thématique", MEDIUM),
            ("Numéro", 8),
            ("Origine", MEDIUM),
            ("Titre ou témoin", WIDE),
            ("Texte", WIDE),
            ("Liens", WIDE),
        ]
        sheet = self.sheet("Fiches RETEX", headings)
        number = 0
        for entry, views in self.views:
            titles = {section.number: section.title for section in views}
            for section, sheet_data in retex_sheets(entry):
                number += 1
                thematic = section["thematic"] if section else None
                values = [
                    ids.sheet(entry.slug, thematic, sheet_data["number"]),
                    entry.slug,
                    titles.get(thematic, "Commune à toutes les thématiques"),
                    sheet_data["number"],
                    sheet_data["origin"],
                    sheet_data["title"],
                    sheet_data["text"],
                    "\n".join(link["url"] for link in sheet_data["links"]),
                ]
                for column, value in enumerate(values):
                    self.value(sheet, number, column, value)
        self.finish(sheet, number, headings)

    def proposal_sheet(self):
        headings = [("Synthèse", MEDIUM), ("Position", 9)]
        headings += [(proposal_label(name), WIDE) for name in FLAGSHIP_FIELDS]
        sheet = self.sheet("Propositions phares", headings)
        number = 0
        for entry in self.bundle.entries:
            for proposal in entry.content["flagship_proposals"]:
                number += 1
                values = [entry.slug, proposal["position"]]
                for name in FLAGSHIP_FIELDS:
                    value = proposal[name]
                    if name == "effort":
                        value = EFFORTS.get(value, "")
                    elif name == "time_needed":
                        value = HORIZONS.get(value, "")
                    values.append(value)
                for column, value in enumerate(values):
                    self.value(sheet, number, column, value)
        self.finish(sheet, number, headings)

    def introduction_sheet(self):
        headings = [
            ("Synthèse", MEDIUM),
            ("Session", MEDIUM),
            ("Date(s) et lieu(x)", WIDE),
            ("Format", NARROW),
            ("Animateurs et animatrices", WIDE),
            ("Catégorie de participants", WIDE),
            ("Cochée", NARROW),
            ("Participants", NARROW),
            ("Établissements représentés", NARROW),
            ("Précision", MEDIUM),
        ]
        sheet = self.sheet("Introduction", headings)
        number = 0
        categories = self.bundle.categories
        for entry in self.bundle.entries:
            for session in entry.content["sessions"]:
                people = "\n".join(
                    ", ".join(filter(None, [person["name"], person["role"], person["note"]]))
                    for person in session["facilitators"]
                )
                if session["facilitators_note"]:
                    people = "\n".join(filter(None, [people, session["facilitators_note"]]))
                found = {item["category"]: item for item in session["participations"]}
                for category_number, category in sorted(categories.items()):
                    item = found.get(category_number)
                    number += 1
                    values = [
                        entry.slug,
                        session["title"],
                        session["dates_places"],
                        FORMATS.get(session["format"], ""),
                        people,
                        f"{category_number}. {category.label}",
                        item["ticked"] if item else False,
                        item["participants"] if item else None,
                        item["establishments"] if item else None,
                        item["note"] if item else "",
                    ]
                    for column, value in enumerate(values):
                        self.value(sheet, number, column, value)
        self.finish(sheet, number, headings)

    def about_sheet(self):
        sheet = self.book.add_worksheet("À propos")
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 90)
        sheet.write_string(0, 0, self.bundle.title, self.title)
        regions = sorted(
            {
                self.bundle.regions[entry.fields["region"]].name
                for entry in self.bundle.entries
                if entry.fields["region"] in self.bundle.regions
            }
        )
        exported = date_format(localtime(self.bundle.exported_at), "j F Y à H:i")
        lines = [
            ("Source", "États généraux du numérique pour l’éducation (2020)"),
            ("Auteur", "\n".join(author(region) for region in regions)),
            ("Diffusé par", PLATFORM),
            ("Licence", f"{LICENCE['title']} ({LICENCE['path']})"),
            ("Exporté le", exported),
            (
                "Lecture",
                "Une feuille par étape de l’atelier, une ligne par ligne du tableau du modèle "
                "national ; chaque énoncé commence par ▶, les énoncés mis en avant sont en "
                "gras. La feuille « Énoncés » donne chaque énoncé sur sa ligne, avec son "
                "identifiant stable (le même que dans les fichiers CSV).",
            ),
        ]
        for row, (label, value) in enumerate(lines, start=2):
            sheet.write_string(row, 0, label, self.bold)
            sheet.write_string(row, 1, value, self.text)


def _cut(text):
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - len(CUT)] + CUT


def write(bundle):
    """The workbook's bytes."""
    writer = _Writer(bundle)
    writer.stage_sheets()
    writer.statement_sheet()
    writer.retex_sheet()
    writer.proposal_sheet()
    writer.introduction_sheet()
    writer.about_sheet()
    book = writer.book
    book.set_properties(
        {
            "title": bundle.title,
            "subject": "États généraux du numérique pour l’éducation",
            "author": PLATFORM,
            "comments": f"{LICENCE['title']}",
            "created": bundle.exported_at,
        }
    )
    book.close()
    return writer.stream.getvalue()
