"""Benchmark of the exports: median time to write each format, in-process, without cache.

Measures the Pays de la Loire regional synthesis and a copy ten times larger (every row of
every section repeated ten times, links included), from the database to the file's bytes
(loading the content, then writing: what a download costs the first time after a change).
With --openpyxl, a same smaller workbook (the stage sheets and a statement sheet, rich text
for emphasis, from an already loaded synthesis) is written with XlsxWriter and with openpyxl:
the comparison that chose XlsxWriter. Runs inside
a transaction that is rolled back: the demo data is loaded if the database lacks it, and
nothing is left behind.
"""

import gc
import io
import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from etatsgeneraux.exchange.documents import backup_document, create_synthesis_content
from etatsgeneraux.exchange.exports import files as exports
from etatsgeneraux.exchange.exports.bundle import collect, sections
from etatsgeneraux.exchange.exports.xlsx import BULLET
from etatsgeneraux.stages import STAGES
from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE
from workshops.models import Synthesis
from workshops.text import NBSP


def scaled_copy(synthesis, factor, *, slug="banc-exports"):
    """A new draft synthesis holding `factor` copies of every row of every section (links
    point inside each copy), and the same sessions, RETEX sheets and proposals."""
    document = backup_document(synthesis)
    for section in document["sections"]:
        for stage in STAGES.values():
            rows = []
            for round_ in range(factor):
                for row in section[stage.key]:
                    copy = {**row, "position": round_ * 1000 + row["position"]}
                    for cell in stage.cells:
                        items = []
                        for item in row[cell.key]:
                            item = dict(item)
                            if item.get("source"):
                                source = item["source"]
                                item["source"] = {
                                    "row": round_ * 1000 + source["row"],
                                    "position": source["position"],
                                }
                            items.append(item)
                        copy[cell.key] = items
                    rows.append(copy)
            section[stage.key] = rows
    copy = Synthesis.objects.create(
        slug=slug,
        title=f"Banc d’essai des exports (×{factor})",
        year=synthesis.year,
        region_id=synthesis.region_id,
    )
    create_synthesis_content(copy, document)
    return copy


def statement_count(bundle):
    return sum(
        len(row.cells[cell.key])
        for entry in bundle.entries
        for section in sections(bundle, entry)
        for stage in STAGES.values()
        for row in section.stages[stage.key]
        for cell in stage.cells
    )


def _comparison_rows(bundle):
    """What both comparison workbooks write: per stage, its rows as (values, [(text, bold)]
    per column); then every statement as (id, shown, as written, emphasised)."""
    views = [section for entry in bundle.entries for section in sections(bundle, entry)]
    stages = {}
    for stage in STAGES.values():
        rows = []
        for section in views:
            for row in section.stages[stage.key]:
                cells = [
                    [
                        (("\n" if index else "") + BULLET + item.shown, item.emphasised)
                        for index, item in enumerate(row.cells[column.key])
                    ]
                    for column in stage.cells
                ]
                rows.append(([section.data["position"], section.title, row.position], cells))
        stages[stage] = rows
    statements = [
        (item.id, item.shown, item.text, item.emphasised)
        for section in views
        for stage in STAGES.values()
        for row in section.stages[stage.key]
        for column in stage.cells
        for item in row.cells[column.key]
    ]
    return stages, statements


def xlsxwriter_workbook(bundle):
    """The comparison workbook, written with XlsxWriter."""
    import xlsxwriter

    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False})
    wrap, bold = book.add_format({"text_wrap": True, "valign": "top"}), book.add_format({"bold": 1})
    stages, statements = _comparison_rows(bundle)
    for stage, rows in stages.items():
        sheet = book.add_worksheet(stage.short_label)
        for column, heading in enumerate(
            ["N°", "Thématique", "Ligne", *(c.label for c in stage.cells)]
        ):
            sheet.write_string(0, column, heading, bold)
        sheet.freeze_panes(1, 0)
        for number, (values, cells) in enumerate(rows, start=1):
            sheet.write_number(number, 0, values[0], wrap)
            sheet.write_string(number, 1, values[1], wrap)
            sheet.write_number(number, 2, values[2], wrap)
            for column, parts in enumerate(cells, start=3):
                if len(parts) > 1 or (parts and parts[0][1]):
                    fragments = [
                        x for text, strong in parts for x in ([bold, text] if strong else [text])
                    ]
                    if len(fragments) > 2:  # XlsxWriter: two fragments at least
                        sheet.write_rich_string(number, column, *fragments, wrap)
                        continue
                if parts:
                    sheet.write_string(number, column, parts[0][0], wrap)
        sheet.autofilter(0, 0, len(rows), len(stage.cells) + 2)
    sheet = book.add_worksheet("Énoncés")
    for number, values in enumerate(statements, start=1):
        sheet.write_string(number, 0, values[0])
        sheet.write_string(number, 1, values[1])
        sheet.write_string(number, 2, values[2])
        sheet.write_boolean(number, 3, values[3])
    book.close()
    return stream.getvalue()


def openpyxl_workbook(bundle):
    """The comparison workbook, written with openpyxl (rich text for the bold statements)."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    wrap, bold = Alignment(wrap_text=True, vertical="top"), InlineFont(b=True)
    stages, statements = _comparison_rows(bundle)
    for stage, rows in stages.items():
        sheet = book.create_sheet(stage.short_label)
        sheet.append(["N°", "Thématique", "Ligne", *[cell.label for cell in stage.cells]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for values, cells in rows:
            rich = []
            for parts in cells:
                text = CellRichText(
                    [TextBlock(bold, part) if strong else part for part, strong in parts]
                )
                rich.append(text if parts else None)
            sheet.append([*values, *rich])
            for cell in sheet[sheet.max_row]:
                cell.alignment = wrap
        sheet.auto_filter.ref = sheet.dimensions
    sheet = book.create_sheet("Énoncés")
    for values in statements:
        sheet.append(list(values))
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


class Command(BaseCommand):
    help = (
        "Mesure le temps médian de chaque export (DOCX, XLSX, CSV, JSON), sans cache, pour "
        "la synthèse Pays de la Loire et pour une synthèse dix fois plus grande."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7, help="Mesures par cas (7).")
        parser.add_argument("--scale", type=int, default=10, help="Taille de la copie (×10).")
        parser.add_argument("--slug", default="pays-de-la-loire-2020", help="Synthèse mesurée.")
        parser.add_argument(
            "--openpyxl",
            action="store_true",
            help="Mesure aussi le classeur écrit avec openpyxl (la comparaison du choix).",
        )

    def handle(self, *args, runs, scale, slug, openpyxl, **options):
        if runs < 1:
            raise CommandError("Il faut au moins une mesure.")
        with transaction.atomic():
            if not Synthesis.objects.filter(slug=slug).exists():
                call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)
                call_command("loaddata", DEMO_FIXTURE, verbosity=0)
            synthesis = Synthesis.objects.filter(slug=slug).first()
            if synthesis is None:
                raise CommandError(f"Synthèse introuvable{NBSP}: {slug}.")
            self._bench(synthesis, runs, openpyxl)
            if scale > 1:
                self._bench(scaled_copy(synthesis, scale), runs, openpyxl, scale=scale)
            transaction.set_rollback(True)

    def _bench(self, synthesis, runs, openpyxl, scale=1):
        cases = [
            (fmt.label, lambda fmt=fmt: fmt.writer(collect([synthesis])))
            for fmt in exports.FORMATS.values()
        ]
        cases.append(("Chargement seul (commun)", lambda: collect([synthesis])))
        bundle = collect([synthesis])
        if openpyxl:
            cases += [
                ("Comparaison : XlsxWriter", lambda: xlsxwriter_workbook(bundle)),
                ("Comparaison : openpyxl", lambda: openpyxl_workbook(bundle)),
            ]
        label = f"×{scale}" if scale > 1 else "réelle"
        self.stdout.write(
            f"\n{synthesis.slug} (synthèse {label}){NBSP}: {statement_count(bundle)} énoncés, "
            f"{runs} mesures, sans cache"
        )
        width = max(len(name) for name, _ in cases)
        for name, produce in cases:
            data = produce()  # warm-up
            times = []
            for _ in range(runs):
                gc.collect()
                started = time.perf_counter()
                produce()
                times.append(time.perf_counter() - started)
            size = f", {len(data) / 1024:.0f} Ko" if isinstance(data, bytes) else ""
            self.stdout.write(
                f"  {name.ljust(width)}{NBSP}: {statistics.median(times) * 1000:5.0f} ms "
                f"(de {min(times) * 1000:.0f} à {max(times) * 1000:.0f}){size}"
            )
