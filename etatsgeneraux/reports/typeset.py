"""The synthesis reports typeset with Typst: what a report prints, as data, laid out by
`templates/reports/pdf/report.typ`.

Typst lays the Pays de la Loire synthesis out in a tenth of the time WeasyPrint took for
the same HTML and tags it for PDF/UA-1 (README, « PDF accessibles »). The template
receives the report as JSON (`sys.inputs`): every text a user entered reaches it as a
string, never as markup, and it reads no file but its own and the fonts. The HTML preview
keeps the Django templates (templates/reports/*.html).
"""

import contextlib
import io
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import formats, timezone

from workshops.text import NBSP

from .typography import french_spacing

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reports" / "pdf"
TEMPLATE = TEMPLATE_DIR / "report.typ"
FONTS = ("Marianne-Regular", "Marianne-Bold", "Marianne-Regular_Italic", "Marianne-Bold_Italic")

# Rough line counts of a statement in a landscape table (271 mm of text, 9 pt Marianne:
# about 1.65 mm per character), to find the rows taller than a third of a page (about 14 of
# the 40 lines a page holds): those are printed in slices that may break between them, the
# theme label repeated with « (suite) » where a slice opens a page.
MM_PER_CHARACTER = 1.65
LANDSCAPE_TEXT_WIDTH_MM = 271
THIRD_OF_A_PAGE_LINES = 14
PAGE_LINES = 36
SLICE_LINES = 10

# Column widths (fractions of the table) by stage, as the template's tables have them.
COLUMNS = {
    "diagnostic": (12, 8, 40, 40),
    "projections": (12, 30, 25, 33),
    "action_plan": (10, 20, 22, 16, 13, 19),
}
RUBRICS = {
    "diagnostic": (
        "Lors des ateliers, deux à trois retours d’expérience (fiches RETEX) sont présentés. "
        "Les remontées «\u00a0terrain\u00a0» des élèves, professeurs, personnels et parents, "
        "et les données des partenaires (collectivités, EdTech, opérateurs…) sont "
        "analysées\u00a0: les points forts (qu’est-ce qui a bien fonctionné\u00a0?) et les "
        "irritants (qu’est-ce qui n’a pas bien fonctionné\u00a0? qu’aurait-on aimé éviter\u00a0?)."
    ),
    "projections": (
        "Les participants se projettent dans le numérique éducatif de demain\u00a0: à partir "
        "des principaux irritants remontés lors du retour d’expérience, ils expriment les "
        "besoins correspondants, puis identifient des axes d’amélioration permettant d’y "
        "répondre."
    ),
    "action_plan": (
        "Les participants élaborent un plan d’action pour mettre en œuvre très concrètement "
        "les axes d’amélioration identifiés lors de l’atelier «\u00a0Projections\u00a0»\u00a0: "
        "les axes principaux (Quoi), les actions à mener (Comment), les acteurs mobilisés "
        "(Qui), la temporalité souhaitée (Quand\u00a0: court, moyen ou long terme) et les "
        "indicateurs et facteurs clés de réussite."
    ),
}
# What the national template prints for each stage (its words, also those of the HTML
# preview: templates/reports/section.html and the *_table.html templates read them here).
STAGE_WORDS = {
    "diagnostic": {
        "title": "1. Retour d’expérience",
        "caption": "Diagnostic des points forts et irritants",
        "headers": ("Thématique concernée (parmi les 5)", "RETEX", "Irritants", "Points forts"),
    },
    "projections": {
        "title": "2. Projections",
        "caption": "Synthèse des besoins & axes d’amélioration",
        "headers": (
            "Thématique concernée (parmi les 5)",
            "Irritants principaux",
            "Besoin",
            "Axes d’amélioration ou leviers permettant de répondre aux besoins correspondants "
            "aux irritants",
        ),
    },
    "action_plan": {
        "title": "3. Plan d’action",
        "caption": "Plan d’action pour répondre aux besoins et activer les leviers d’amélioration",
        "headers": (
            "Thématique concernée (parmi les 5)",
            "Axes d’amélioration principaux (Quoi)",
            "Actions à mener (Comment)",
            "Acteurs mobilisés",
            "Temporalité souhaitée pour une mise en œuvre",
            "Indicateurs et facteurs de réussite",
        ),
    },
}
# The report's attributes of a section (pdf._annotate): its rows, « …_emphasised ».
STAGE_KEYS = tuple(STAGE_WORDS)


def _fr(value):
    return french_spacing(str(value)) if value not in (None, "") else ""


# Fonts ---------------------------------------------------------------------------------------

# DejaVu Sans (Debian's fonts-dejavu-core, the fallback of report.css too) draws what Marianne
# lacks: arrows, ballot boxes, Greek, Cyrillic... Any other character is printed as « � »:
# PDF/UA forbids text no embedded font can show, and a PDF that fails is worse.
FALLBACK_FONTS = Path("/usr/share/fonts/truetype/dejavu")
FALLBACK_FILES = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique")
REPLACEMENT = "\ufffd"


@lru_cache(maxsize=1)
def fonts_dir():
    """Marianne as OpenType files, converted once from the WOFF files django-dsfr ships
    (Typst reads no WOFF), beside links to the fallback fonts."""
    import dsfr

    source = Path(dsfr.__file__).parent / "static" / "dsfr" / "dist" / "fonts"
    target = Path(settings.PDF_FONTS_DIR)
    target.mkdir(parents=True, exist_ok=True)
    for name in FONTS:
        font_file = target / f"{name}.otf"
        woff = source / f"{name}.woff"
        if font_file.exists() and font_file.stat().st_mtime >= woff.stat().st_mtime:
            continue
        from fontTools.ttLib import TTFont

        font = TTFont(woff)
        font.flavor = None
        with tempfile.NamedTemporaryFile(dir=target, suffix=".otf", delete=False) as partial:
            font.save(partial)
        os.replace(partial.name, font_file)  # never a half-written font for another process
    for name in FALLBACK_FILES:
        fallback, link = FALLBACK_FONTS / f"{name}.ttf", target / f"{name}.ttf"
        if fallback.exists() and not link.exists():
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                link.symlink_to(fallback)
    return str(target)


@lru_cache(maxsize=1)
def printable():
    """The characters the report's fonts can draw (Marianne and its fallback)."""
    from fontTools.ttLib import TTFont

    folder = Path(fonts_dir())
    characters = set()
    for path in (folder / f"{FONTS[0]}.otf", folder / f"{FALLBACK_FILES[0]}.ttf"):
        if path.exists():
            characters |= {chr(code) for code in TTFont(path, lazy=True).getBestCmap()}
    return frozenset(characters)


def printable_text(source):
    """The JSON source with every character no font can draw replaced by « � »."""
    missing = set(source) - printable() - {"\n"}
    if not missing:
        return source
    return source.translate({ord(character): REPLACEMENT for character in missing})


# The report as data ------------------------------------------------------------------------


def _lines(text, width_mm):
    per_line = max(8, int(width_mm / MM_PER_CHARACTER))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _statements(items):
    return [{"text": item.report_text, "strong": bool(item.emphasised)} for item in items]


def _row_parts(stage, row, section):
    """(theme label, short texts beside it, statement columns, horizon) of a table row."""
    theme = _fr(row.thematic_label or section.display_title)
    if stage == "diagnostic":
        retex = "\n".join(part for part in (row.retex_numbers, row.report_retex_label) if part)
        return theme, [retex], [row.irritant_list, row.strength_list], ""
    if stage == "projections":
        return theme, [], [row.main_irritant_list, row.need_list, row.lever_list], ""
    horizon = row.get_horizon_display() if row.horizon else ""
    lists = [row.axis_list, row.action_list, row.actor_list, row.timing_list, row.indicator_list]
    return theme, [], lists, horizon


def _height(columns, widths):
    return max(
        (
            sum(_lines(item["text"], w) for item in column)
            for column, w in zip(columns, widths, strict=True)
        ),
        default=0,
    )


def _slices(columns, widths):
    """The statements of each column cut into slices of about SLICE_LINES lines (by their
    position in the column, so that slices of the columns stay side by side)."""
    per_column = []
    for items, width in zip(columns, widths, strict=True):
        cuts, lines = [], 0
        for item in items:
            cuts.append((int(lines // SLICE_LINES), item))
            lines += _lines(item["text"], width)
        per_column.append(cuts)
    count = 1 + max((cut for column in per_column for cut, _ in column), default=0)
    return [
        [[item for cut, item in column if cut == index] for column in per_column]
        for index in range(count)
    ]


def _table_rows(stage, section, rows, shares):
    widths = [LANDSCAPE_TEXT_WIDTH_MM * share / 100 - 3 for share in shares]
    printed = []
    for row in rows:
        theme, texts, lists, horizon = _row_parts(stage, row, section)
        columns = [_statements(items) for items in lists]
        statement_widths = widths[1 + len(texts) :]
        # The theme and RETEX texts print in the row's first slice only.
        beside = max([_lines(theme, widths[0])] + [_lines(text, widths[1]) for text in texts])
        height = max(_height(columns, statement_widths), beside)
        slices = _slices(columns, statement_widths) if height > THIRD_OF_A_PAGE_LINES else [columns]
        printed.append(
            {
                "theme": theme,
                "texts": texts,
                "horizon": horizon,
                "slices": [
                    # A slice taller than a page (one enormous statement) may break inside.
                    {
                        "columns": piece,
                        "breakable": max(
                            _height(piece, statement_widths), beside if index == 0 else 0
                        )
                        > PAGE_LINES,
                    }
                    for index, piece in enumerate(slices)
                ],
            }
        )
    return printed


# The RETEX column holds sheet numbers, or sometimes a sentence: then it is widened.
WIDE_RETEX_COLUMNS = (12, 18, 35, 35)
WIDE_RETEX_CHARACTERS = 40


def _columns(stage, rows):
    if stage == "diagnostic" and any(
        len(row.report_retex_label) > WIDE_RETEX_CHARACTERS for row in rows
    ):
        return WIDE_RETEX_COLUMNS
    return COLUMNS[stage]


def _stage(stage, *, anchor, emphasised, columns, rows):
    """A stage as the template prints it: title, rubric, its table's caption, headers,
    column widths and printed rows (`_table_rows`)."""
    words = STAGE_WORDS[stage]
    return {
        "slug": stage,
        "title": words["title"],
        "anchor": anchor,
        "rubric": RUBRICS[stage],
        "emphasised": emphasised,
        "table": {
            "stage": stage,
            "caption": words["caption"],
            "headers": list(words["headers"]),
            "columns": list(columns),
            "rows": rows,
        },
    }


def _sheet(sheet):
    return {
        "heading": f"RETEX {sheet.number}" + (f" ({sheet.origin})" if sheet.origin else ""),
        "title": sheet.report_title if sheet.title else "",
        "text": sheet.report_text if sheet.text else "",
        "links": [{"label": link.label or link.url, "href": link.href} for link in sheet.link_list],
    }


def _plural(count, singular, plural):
    return singular if count == 1 else plural


def _chain(trace):
    """The four sentences of templates/reports/chain_summary.html."""
    linked, dead, typed = len(trace.linked), len(trace.dead_ends), len(trace.typed)
    unused, orphans, loose = (
        len(trace.unused_levers),
        len(trace.orphan_axes),
        len(trace.rows_without_axis),
    )
    last = f"{orphans} {_plural(orphans, 'axe', 'axes')} du plan d’action sans levier d’origine"
    if loose:
        last += f", et {loose} {_plural(loose, 'ligne', 'lignes')} d’actions sans axe"
    return [
        f"{trace.irritant_count} {_plural(trace.irritant_count, 'irritant', 'irritants')} au "
        f"diagnostic, dont {linked} repris dans les projections et {dead} sans suite.",
        f"{typed} {_plural(typed, 'irritant principal saisi', 'irritants principaux saisis')} "
        "sans lien avec le diagnostic.",
        f"{unused} {_plural(unused, 'levier', 'leviers')} qu’aucun axe du plan d’action ne "
        "reprend.",
        last + ".",
    ]


def _section(item, section):
    anchor = f"{item.slug}-thematique-{section.thematic.number}"
    chain = section.chain if section.chain and not section.chain.empty else None
    stages = []
    for stage in STAGE_KEYS:
        rows = getattr(section, stage)
        columns = _columns(stage, rows)
        stages.append(
            _stage(
                stage,
                anchor=f"{anchor}-{stage}",
                emphasised=getattr(section, f"{stage}_emphasised"),
                columns=columns,
                rows=_table_rows(stage, section, rows, columns),
            )
        )
    return {
        "anchor": anchor,
        "number": section.thematic.number,
        "title": _fr(section.display_title),
        "retex": [_sheet(sheet) for sheet in section.retex],
        "retex_elsewhere": not section.retex and bool(item.shared_retex),
        "stages": stages,
        "chain": _chain(chain) if chain else None,
        "chain_svgs": [str(svg) for svg in section.chain_svgs],
    }


def _check_choices(choices):
    return [{"label": _fr(label), "ticked": ticked} for label, ticked in choices]


def _session(item, session):
    return {
        "anchor": f"{item.slug}-session-{session.position}",
        "title": _fr(session.title),
        "dates_places": _fr(session.dates_places),
        "format": _check_choices(session.format_choices),
        "facilitators": [
            _fr(
                facilitator.name
                + (f" ({facilitator.note})" if facilitator.note else "")
                + (f", {facilitator.role}" if facilitator.role else "")
            )
            for facilitator in session.facilitator_list
        ],
        "facilitators_note": _fr(session.facilitators_note),
        "categories": [
            {
                "label": _fr(category.label),
                "ticked": bool(participation and participation.ticked),
                "participants": participation.participants if participation else None,
                "counts_establishments": category.counts_establishments,
                "establishments": participation.establishments if participation else None,
                "note": _fr(participation.note) if participation else "",
            }
            for category, participation in session.categories
        ],
        "total": (
            session.participant_totals.participants_text
            if session.participant_totals.entered
            else ""
        ),
        "total_establishments": (
            session.participant_totals.establishments_text
            if session.participant_totals.establishments_entered
            else ""
        ),
    }


PROPOSAL_FIELDS = (
    ("Description", (("Résumé de la mesure", "summary"),)),
    (
        "Impacts",
        (
            ("Nombre d’établissements concernés", "establishments"),
            ("Nombre d’élèves concernés", "pupils"),
            ("Nombre de parents concernés", "parents"),
            ("Nombre d’enseignants concernés", "teachers"),
            ("Territoire concerné", "territory"),
            ("Référent du projet", "referent"),
        ),
    ),
    (
        "Modalités de mise en œuvre",
        (
            ("Moyens financiers", "means_financial"),
            ("Moyens humains", "means_human"),
            ("Moyens juridiques", "means_legal"),
        ),
    ),
    (
        "Mise en place",
        (
            ("Difficultés principales rencontrées", "difficulties"),
            ("Besoins nécessaires pour pérenniser le dispositif", "sustainability_needs"),
        ),
    ),
)


def _proposal(item, proposal):
    return {
        "anchor": f"{item.slug}-proposition-{proposal.position}",
        "title": _fr(proposal.title),
        "groups": [
            {
                "title": group,
                "fields": [
                    {"label": label, "value": _fr(getattr(proposal, name))}
                    for label, name in fields
                ],
            }
            for group, fields in PROPOSAL_FIELDS
        ],
        "effort": _check_choices(proposal.effort_choices),
        "effort_missing": not proposal.effort,
        "time": _check_choices(proposal.time_choices),
        "time_missing": not proposal.time_needed,
    }


def _body(item):
    sessions = getattr(item, "report_sessions", None) or []
    count = len(sessions)
    return {
        "slug": item.slug,
        "participants": (
            f"Participants{f', sur les {count} sessions' if count > 1 else ''}{NBSP}: "
            if sessions
            else ""
        ),
        "participants_total": item.participant_totals.text if sessions else "",
        "sessions": [_session(item, session) for session in sessions],
        "shared_retex": [_sheet(sheet) for sheet in item.shared_retex],
        "sections": [_section(item, section) for section in item.report_sections],
        "proposals": [_proposal(item, p) for p in getattr(item, "proposals", [])],
    }


def _numbered(number, theme):
    """The theme label with the thematic's canonical number, unless it starts with it."""
    if theme.startswith((f"({number})", f"{number}.", f"{number} ", f"N°{number}")):
        return theme
    return f"N°{number}{NBSP}: {theme}"


def _annex_tables(annex, body):
    """An annex as its source lays it out: one table per stage, the rows of every thematic
    one after the other, each naming its thematic in the first column (a thematic with no
    row in a stage keeps an empty one, as the source's table does)."""
    stages = []
    for stage in STAGE_KEYS:
        sections = annex.report_sections
        columns = _columns(stage, [row for section in sections for row in getattr(section, stage)])
        rows = []
        for section, printed in zip(sections, body["sections"], strict=True):
            number = section.thematic.number
            own = _table_rows(stage, section, getattr(section, stage), columns)
            for row in own:
                row["theme"] = _numbered(number, row["theme"])
            if not own:
                beside = 1 if stage == "diagnostic" else 0
                empty = [[] for _ in range(len(columns) - 1 - beside)]
                own = [
                    {
                        "theme": f"N°{number}{NBSP}: {printed['title']}",
                        "texts": [""] * beside,
                        "horizon": "",
                        "slices": [{"columns": empty, "breakable": False}],
                    }
                ]
            if stage == "diagnostic":  # the contents lead to a thematic's first row
                own[0]["anchor"] = printed["anchor"]
            rows += own
        emphasised = any(getattr(section, f"{stage}_emphasised") for section in sections)
        stages.append(
            _stage(
                stage,
                anchor=f"{annex.slug}-{stage}",
                emphasised=emphasised,
                columns=columns,
                rows=rows,
            )
        )
    return stages


def _cover(report):
    synthesis = report.synthesis
    if report.is_draft:
        status = f"{synthesis.get_status_display()} – document de travail"
    elif report.unpublished:
        status = (
            f"{synthesis.get_status_display()} – version de travail, avec des modifications "
            "non publiées"
        )
    else:
        status = synthesis.get_status_display()
    facts = [("Année", str(synthesis.year)), ("Statut", status)]
    version = getattr(synthesis, "published_version", None)
    if version:
        day = formats.date_format(timezone.localtime(version.published_at), "j F Y")
        facts.append(("Version", f"n°{NBSP}{version.number}, publiée le {day}"))
    if synthesis.department:
        kind = "départementale"
        if synthesis.parent:
            kind += f", annexe de «{NBSP}{_fr(synthesis.parent.title)}{NBSP}»"
    else:
        kind = "régionale"
    facts += [
        ("Synthèse", kind),
        ("Auteur", f"{report.author} (délégation académique au numérique éducatif)"),
    ]
    subtitle = ""
    if report.kind == "thematic":
        section = report.section
        subtitle = f"Thématique N°{section.thematic.number}{NBSP}: {_fr(section.display_title)}"
    elif report.kind == "proposal":
        subtitle = f"Proposition phare{NBSP}: {_fr(report.proposal.title)}"
    department = ""
    if synthesis.department:
        department = f"Département{NBSP}: {synthesis.department.name} ({synthesis.department.code})"
    return {
        "region": report.region_name,
        "department": department,
        "title": _fr(synthesis.title),
        "subtitle": subtitle,
        "summary": report.summary if report.kind != "proposal" else "",
        "facts": [{"label": label, "value": value} for label, value in facts],
    }


def _contents(body, annexes):
    """The entries of the contents page: (anchor, title, indent)."""
    entries = []

    def add(anchor, title, indent=0):
        entries.append({"anchor": anchor, "title": title, "indent": indent})

    if body["sessions"]:
        add(f"{body['slug']}-introduction", "Introduction")
    if body["shared_retex"]:
        add(f"{body['slug']}-retex", "Retours d’expérience communs aux thématiques")
    for section in body["sections"]:
        add(section["anchor"], f"Thématique N°{section['number']}{NBSP}: {section['title']}")
    if body["proposals"]:
        add(f"{body['slug']}-propositions", "Propositions phares")
        for proposal in body["proposals"]:
            add(proposal["anchor"], f"Proposition phare{NBSP}: {proposal['title']}", 1)
    if annexes:
        add("annexes", f"Annexes{NBSP}: synthèses départementales")
    for annex in annexes:
        add(annex["anchor"], annex["title"], 1)
        if annex["body"]["sessions"]:
            add(f"{annex['body']['slug']}-introduction", "Introduction", 2)
        for stage in annex["stages"]:
            add(stage["anchor"], stage["title"], 2)
        for section in annex["body"]["sections"]:
            add(section["anchor"], f"Thématique N°{section['number']}{NBSP}: {section['title']}", 3)
        for proposal in annex["body"]["proposals"]:
            add(proposal["anchor"], f"Proposition phare{NBSP}: {proposal['title']}", 2)
    return entries


def report_data(report):
    """Everything the Typst template prints, as JSON-ready data."""
    synthesis = report.synthesis
    data = {
        "kind": report.kind,
        "title": report.title,
        "author": report.author,
        "region": report.region_name,
        "running": _fr(synthesis.title),
        "keywords": ["États généraux du numérique", "synthèse", report.region_name],
        "draft": report.is_draft,
        "cover": _cover(report),
    }
    if report.kind == "proposal":
        data["proposal"] = _proposal(synthesis, report.proposal)
        return data
    if report.kind == "thematic":
        data["section"] = _section(synthesis, report.section)
        data["slug"] = synthesis.slug
        return data
    data["body"] = _body(synthesis)
    annexes = []
    for number, annex in enumerate(report.annexes, start=1):
        body = _body(annex)
        annexes.append(
            {
                "anchor": f"annexe-{number}",
                "title": f"Annexe {number}{NBSP}: {_fr(annex.title)}",
                "running": _fr(annex.title),
                "meta": (
                    f"{annex.department.name} ({annex.department.code}) · {annex.year} · "
                    f"{annex.get_status_display()}"
                ),
                "body": body,
                "stages": _annex_tables(annex, body),
                # (a whole report lists the shared sheets apart: sections hold their own)
                "retex": [sheet for section in body["sections"] for sheet in section["retex"]],
                "chains": [
                    {
                        "title": f"Thématique N°{s['number']}{NBSP}: {s['title']}",
                        "lines": s["chain"],
                    }
                    for s in body["sections"]
                    if s["chain"]
                ],
            }
        )
    data["annexes"] = annexes
    data["contents"] = _contents(data["body"], annexes)
    return data


# Rendering -----------------------------------------------------------------------------------


# Parts typeset at once (each in its own process): the machines have two cores.
PARALLEL_PARTS = 2


class TypstRefused(RuntimeError):
    """Typst could not typeset the document (its message)."""


def _typst(operation, data, *, selector=None):
    """Compiles (PDF bytes) or queries (the value found) the template with this data, in a
    process of its own: typst_process.py says why."""
    request = {
        "operation": operation,
        "template": str(TEMPLATE),
        "root": str(TEMPLATE_DIR),
        "fonts": [fonts_dir()],
        "source": printable_text(json.dumps(data, ensure_ascii=False)),
        "selector": selector,
    }
    done = subprocess.run(
        [sys.executable, "-m", "etatsgeneraux.reports.typst_process"],
        input=json.dumps(request).encode(),
        capture_output=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or f"code {done.returncode}"
        raise TypstRefused(f"Typst n’a pas pu composer le PDF\u00a0: {detail}")
    if operation == "query":
        return json.loads(done.stdout)
    for warning in json.loads(done.stderr or b"[]"):
        logger.warning("Typst : %s", warning)
    return done.stdout


def _compile(data):
    return _typst("compile", data)


def _page_count(pdf):
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def compile_pdf(report_data):
    """(PDF bytes, page count) of a report's data (`report_data`), tagged PDF/UA-1.

    Typst holds every page it lays out in memory (about 2 MB a page of tables): a whole
    synthesis of more than `PDF_SPLIT_STATEMENTS` statements is typeset one part at a
    time and the parts joined (`join_parts`), which keeps the peak to that of its largest
    part."""
    whole = report_data["kind"] == "synthesis"
    if whole and _statement_count(report_data) > settings.PDF_SPLIT_STATEMENTS:
        pdf = _compile_in_parts(report_data)
    else:
        pdf = _compile(report_data)
    return pdf, _page_count(pdf)


def _statement_count(data):
    tables = [stage["table"] for section in data["body"]["sections"] for stage in section["stages"]]
    tables += [stage["table"] for annex in data.get("annexes", []) for stage in annex["stages"]]
    return sum(
        len(column)
        for table in tables
        for row in table["rows"]
        for piece in row["slices"]
        for column in piece["columns"]
    )


def _compile_in_parts(data):
    """Typesets the parts of a whole synthesis one by one: a first pass measures each part
    (its pages, and where the contents' entries fall), the second typesets it with its page
    numbers, the document's page count and the contents' page numbers."""
    body, annexes = data["body"], data["annexes"]
    count = 1 + len(body["sections"]) + bool(body["proposals"]) + bool(annexes)
    anchors = [entry["anchor"] for entry in data["contents"]]
    own = {f"{body['slug']}-introduction", f"{body['slug']}-retex"}  # the front part's

    def part(index, **numbers):
        return {
            **data,
            "split": {
                "index": index,
                "running": data["running"],
                "anchors": anchors,
                "elsewhere": [a for a in anchors if a not in own] if index == 0 else [],
                **numbers,
            },
        }

    with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
        measured = list(
            pool.map(
                lambda index: _typst(
                    "query", part(index, first_page=1, total=0, pages={}), selector="<split-pages>"
                ),
                range(count),
            )
        )
    first_pages, pages, total = [], {}, 0
    for found in measured:
        first_pages.append(total + 1)
        pages.update({anchor: total + page for anchor, page in found["pages"].items()})
        total += found["last"]
    with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
        parts = list(
            pool.map(
                lambda index: _compile(
                    part(index, first_page=first_pages[index], total=total, pages=pages)
                ),
                range(count),
            )
        )
    from .joining import join_parts  # pikepdf: only where parts are joined

    return join_parts(parts, contents=anchors, pages=pages)
