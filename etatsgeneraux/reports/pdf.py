"""The synthesis report: loaded once, shown as an HTML preview (Django templates) or typeset
as a PDF (typeset.py, Typst).

A report is loaded with a constant number of queries (`build_report`), whatever the size
of the synthesis. Its PDF is cached under a key made of a hash of the content of the
syntheses it prints (every row of every content table, read with one query per table,
without building model instances) and of the version of the templates and stylesheets
(`pdf_key`): an unchanged synthesis is served from Django's cache without being loaded,
and any edit yields a new key.

The documents made of HTML (the follow-up, alone or as the synthesis's appendix, and the
national document) go through `write_tagged_pdf`: WeasyPrint, called with
`StaticFilesFetcher`, which serves the project's own static files and refuses every other
URL: text entered by users is escaped by the templates and nothing it names is fetched.
"""

import gc
import hashlib
import importlib.metadata
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string

from actionplans.models import (
    Effort,
    FlagshipProposal,
    Horizon,
)
from etatsgeneraux.board import chain_svg, traceability
from etatsgeneraux.exchange.fixtures import content_fingerprint
from etatsgeneraux.publishing import versions as publishing
from etatsgeneraux.stages import DIAGNOSTIC, STAGES
from etatsgeneraux.syntheses.participants import session_totals, synthesis_totals
from workshops.models import (
    Facilitator,
    ParticipantCategory,
    Participation,
    PublishedVersion,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Synthesis,
    ThematicSection,
)
from workshops.permissions import readable_syntheses, versions_read_by
from workshops.text import NBSP

from . import typeset
from .typography import french_spacing

logger = logging.getLogger(__name__)

REPORT_TEMPLATE = "reports/report.html"
# Bump to invalidate every cached PDF when the rendering changes in a way the template and
# stylesheet files do not show (e.g. a change in this module).
REPORT_FORMAT_VERSION = 1


def __getattr__(name):
    """The fetcher and its base URL (fetcher.py), imported with WeasyPrint only on demand."""
    if name in ("StaticFilesFetcher", "REPORT_BASE_URL"):
        from . import fetcher

        return getattr(fetcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Loading -------------------------------------------------------------------------------------


def _by_position(model, *related):
    queryset = model.objects.order_by("position")
    return queryset.select_related(*related) if related else queryset


def _stage_rows(stage):
    """A stage's rows with their statements in order (and the RETEX they cite)."""
    lookups = [
        Prefetch(
            cell.related_name,
            _by_position(cell.model, *(["source"] if cell.linked else [])),
        )
        for cell in stage.cells
    ]
    if stage.slug == DIAGNOSTIC:
        lookups.insert(
            0,
            Prefetch(
                "retex_references",
                RetexReference.objects.select_related("sheet").order_by("sheet__number"),
            ),
        )
    return stage.row_model.objects.order_by("position").prefetch_related(*lookups)


def _section_queryset():
    return ThematicSection.objects.select_related("thematic").prefetch_related(
        *(Prefetch(stage.related_name, _stage_rows(stage)) for stage in STAGES.values())
    )


# How a thematic report names its section: by its thematic's canonical number (README,
# « Numérotation des thématiques »), for the stored content (a lookup) and for a published
# version (`materialise`, which filters its sections in Python): keep both alike.
THEMATIC_LOOKUP = "thematic__number"


def _is_thematic(section, thematic):
    return section.thematic.number == thematic


def _load(syntheses, *, thematic=None, whole=True):
    """Prefetches everything the report prints for these syntheses, in one query per table."""
    sections = _section_queryset().order_by("position")
    if thematic is not None:
        sections = sections.filter(**{THEMATIC_LOOKUP: thematic})
    lookups = [
        Prefetch("sections", sections),
        Prefetch(
            "retex_sheets",
            RetexSheet.objects.order_by("number").prefetch_related(
                Prefetch("links", _by_position(RetexLink))
            ),
        ),
    ]
    if whole:
        lookups += [
            Prefetch(
                "sessions",
                Session.objects.order_by("position").prefetch_related(
                    Prefetch("facilitators", _by_position(Facilitator)),
                    Prefetch("participations", Participation.objects.order_by("category_id")),
                ),
            ),
            Prefetch("flagship_proposals", _by_position(FlagshipProposal)),
        ]
    prefetch_related_objects(syntheses, *lookups)


def _with_spacing(statements):
    statements = list(statements)
    for statement in statements:
        statement.report_text = french_spacing(statement.display_text)
    return statements


def _statements_emphasised(rows, *cells):
    return any(
        statement.emphasised for row in rows for cell in cells for statement in getattr(row, cell)
    )


def _annotate(synthesis, categories, *, shared_in_sections, diagrams=False):
    """Attaches to the loaded objects what the templates print but the models do not hold.

    Every section gets its chain (`traceability.from_rows`, for its summary); with
    `diagrams` (a thematic report), the SVG pictures of it too: pages of diagrams for every
    thematic would make the whole synthesis's report several times as long.
    """
    sheets = list(synthesis.retex_sheets.all())
    for sheet in sheets:
        sheet.report_title = french_spacing(sheet.title)
        sheet.report_text = french_spacing(sheet.text)
        sheet.link_list = list(sheet.links.all())
    synthesis.shared_retex = [sheet for sheet in sheets if sheet.section_id is None]
    synthesis.report_sections = list(synthesis.sections.all())
    for section in synthesis.report_sections:
        own = [sheet for sheet in sheets if sheet.section_id == section.pk]
        section.retex = (synthesis.shared_retex + own) if shared_in_sections else own
        section.diagnostic = list(section.diagnostic_rows.all())
        section.projections = list(section.projection_rows.all())
        section.action_plan = list(section.action_plan_rows.all())
        for row in section.diagnostic:
            row.irritant_list = _with_spacing(row.irritants.all())
            row.strength_list = _with_spacing(row.strengths.all())
            row.report_retex_label = french_spacing(row.retex_label)
            row.retex_numbers = ", ".join(
                str(reference.sheet.number) for reference in row.retex_references.all()
            )
        for row in section.projections:
            row.main_irritant_list = _with_spacing(row.main_irritants.all())
            row.need_list = _with_spacing(row.needs.all())
            row.lever_list = _with_spacing(row.levers.all())
        for row in section.action_plan:
            row.axis_list = _with_spacing(row.axes.all())
            row.action_list = _with_spacing(row.actions.all())
            row.actor_list = _with_spacing(row.actors.all())
            row.timing_list = _with_spacing(row.timings.all())
            row.indicator_list = _with_spacing(row.indicators.all())
        section.diagnostic_emphasised = _statements_emphasised(
            section.diagnostic, "irritant_list", "strength_list"
        )
        section.projections_emphasised = _statements_emphasised(
            section.projections, "main_irritant_list", "need_list", "lever_list"
        )
        section.action_plan_emphasised = _statements_emphasised(
            section.action_plan,
            "axis_list",
            "action_list",
            "actor_list",
            "timing_list",
            "indicator_list",
        )
        section.chain = traceability.from_rows(
            section.diagnostic, section.projections, section.action_plan
        )
        section.chain_svgs = _chain(synthesis, section) if diagrams else []
    if "sessions" in getattr(synthesis, "_prefetched_objects_cache", {}):
        synthesis.report_sessions = list(synthesis.sessions.all())
        for session in synthesis.report_sessions:
            by_category = {p.category_id: p for p in session.participations.all()}
            session.facilitator_list = list(session.facilitators.all())
            session.categories = [(c, by_category.get(c.pk)) for c in categories]
            session.participant_totals = session_totals(session.categories)
            session.format_choices = [
                (label, session.format == value) for value, label in Session.Format.choices
            ]
        synthesis.participant_totals = synthesis_totals(synthesis.report_sessions)
        synthesis.proposals = list(synthesis.flagship_proposals.all())
        for proposal in synthesis.proposals:
            _annotate_proposal(proposal)


# The chain diagram of a section, on its landscape pages (report.css: 271 × 179 mm of text,
# about 1024 × 676 CSS pixels, that is 1124 × 740 units of chain_svg's drawing): each SVG at
# most CHAIN_PAGE_HEIGHT units tall, the first one, under the heading and rubric, less.
CHAIN_PAGE_HEIGHT = 700
CHAIN_FIRST_PAGE_HEIGHT = 560
CHAIN_DESCRIPTION = (
    "Schéma en cinq colonnes : irritants du diagnostic, irritants principaux des projections, "
    "besoins et leviers, axes du plan d’action, actions et indicateurs ; une ligne relie "
    "chaque énoncé à ce qui le reprend, et les chaînes interrompues sont marquées « Sans "
    "suite ». Chacun de ces énoncés figure dans les trois tableaux de cette thématique, "
    "ci-dessus."
)


def _chain(synthesis, section):
    """The SVG pages of a section's chain (traced from its loaded rows: no query)."""
    return chain_svg.render_pages(
        section.chain,
        title=f"Chaîne de traçabilité{NBSP}: {section.display_title}",
        description=CHAIN_DESCRIPTION,
        ident=f"{synthesis.slug}-chaine-{section.thematic.number}",
        max_height=CHAIN_PAGE_HEIGHT,
        first_height=CHAIN_FIRST_PAGE_HEIGHT,
    )


def _annotate_proposal(proposal):
    proposal.effort_choices = [(label, proposal.effort == value) for value, label in Effort.choices]
    proposal.time_choices = [
        (label, proposal.time_needed == value) for value, label in Horizon.choices
    ]


@dataclass
class Report:
    """What one PDF (or preview) shows: a synthesis, or one thematic, or one proposal sheet."""

    synthesis: Synthesis
    annexes: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    thematic: int | None = None
    proposal: FlagshipProposal | None = None
    # {synthesis id: PublishedVersion} printed instead of the stored content (readers of a
    # published synthesis: etatsgeneraux.publishing).
    versions: dict = field(default_factory=dict)
    # The stored content of a published synthesis, with changes not yet published.
    unpublished: bool = False
    # The follow-up as an appendix (HTML from etatsgeneraux.followup.pdf), when asked for.
    followup_appendix: str = ""

    @property
    def kind(self):
        if self.proposal is not None:
            return "proposal"
        return "synthesis" if self.thematic is None else "thematic"

    @property
    def section(self):
        """The one section of a thematic report."""
        return self.synthesis.report_sections[0] if self.kind == "thematic" else None

    @cached_property
    def summary(self):
        """What the document holds, in one line for its cover: sessions, participants and
        statements per stage (of the synthesis and its annexes)."""
        parts = []
        sessions = getattr(self.synthesis, "report_sessions", None)
        if sessions:
            parts.append(f"{len(sessions)}{NBSP}session{'s' if len(sessions) > 1 else ''}")
            totals = self.synthesis.participant_totals
            if totals.entered:
                parts.append(totals.participants_text)
        items = [self.synthesis, *self.annexes]
        for stage in STAGES.values():
            count = sum(
                len(getattr(row, cell.related_name).all())
                for item in items
                for section in getattr(item, "report_sections", [])
                for row in getattr(section, stage.related_name).all()
                for cell in stage.cells
            )
            label = stage.short_label or stage.label
            parts.append(f"{count}{NBSP}énoncé{'s' if count > 1 else ''} ({label.lower()})")
        return " · ".join(parts)

    @property
    def region_name(self):
        return self.synthesis.region.name

    @property
    def author(self):
        return f"DANE de la région académique {self.region_name}"

    @property
    def title(self):
        if self.kind == "thematic":
            section = self.section
            return (
                f"{self.synthesis.title} – Thématique N°{section.thematic.number}{NBSP}: "
                f"{section.display_title}"
            )
        if self.kind == "proposal":
            return f"{self.synthesis.title} – Proposition phare{NBSP}: {self.proposal.title}"
        return self.synthesis.title

    @property
    def filename(self):
        return pdf_filename(self.synthesis, thematic=self.thematic, position=self.position)

    @property
    def is_draft(self):
        return self.synthesis.status != Synthesis.Status.PUBLISHED

    @property
    def position(self):
        return self.proposal.position if self.proposal is not None else None

    @cached_property
    def cache_key(self):
        return pdf_key(
            [self.synthesis, *self.annexes],
            thematic=self.thematic,
            position=self.position,
            versions=self.versions,
            unpublished=self.unpublished,
        )


def unpublished_changes(user, synthesis, versions):
    """Whether the report prints stored content that its readers do not see yet."""
    if user is None or not user.is_authenticated or synthesis.pk in versions:
        return False  # (a visitor manages nothing: reads a version, or what is stored)
    if synthesis.status != Synthesis.Status.PUBLISHED:
        return False
    latest = PublishedVersion.objects.latest_of([synthesis]).get(synthesis.pk)
    return publishing.has_unpublished_changes(synthesis, latest)


def build_report(
    synthesis, user, *, thematic=None, versions=None, unpublished=None, syntheses=None
):
    """Loads a synthesis for its report with a constant number of queries.

    A regional synthesis brings its departmental syntheses (those the user may read) as
    annexes; `thematic` (the canonical number of a thematic, as the report prints it)
    narrows the report to that one section. Raises `LookupError` for an unknown thematic.
    Each synthesis is printed as this user reads it: its last published version or its
    stored content (`versions`, by default `versions_read_by`). `syntheses`: what
    `report_syntheses` returned, when the caller has it already.
    """
    synthesis = _with_region(synthesis)
    if syntheses is None:
        syntheses = report_syntheses(synthesis, user, thematic=thematic)
    else:
        syntheses = [synthesis, *syntheses[1:]]
    if versions is None:
        versions = versions_read_by(user, syntheses)
    if unpublished is None:
        unpublished = unpublished_changes(user, synthesis, versions)
    whole = thematic is None
    _load([item for item in syntheses if item.pk not in versions], thematic=thematic, whole=whole)
    reference = publishing.Reference()
    syntheses = [
        publishing.materialise(
            versions[item.pk],
            item,
            sections=None if whole else partial(_is_thematic, thematic=thematic),
            whole=whole,
            reference=reference,
        )
        if item.pk in versions
        else item
        for item in syntheses
    ]
    synthesis, annexes = syntheses[0], syntheses[1:]
    categories = list(ParticipantCategory.objects.order_by("number")) if whole else []
    for item in syntheses:
        _annotate(item, categories, shared_in_sections=not whole, diagrams=not whole)
    if thematic is not None and not synthesis.report_sections:
        raise LookupError(f"Pas de thématique N°{thematic} dans cette synthèse.")
    return Report(
        synthesis=synthesis,
        annexes=annexes,
        categories=categories,
        thematic=thematic,
        versions=versions,
        unpublished=unpublished,
    )


def build_version_report(synthesis, version):
    """The report of one published version of a synthesis, without annexes (they have
    versions of their own)."""
    synthesis = _with_region(synthesis)
    shown = publishing.materialise(version, synthesis)
    categories = list(ParticipantCategory.objects.order_by("number"))
    _annotate(shown, categories, shared_in_sections=False)
    return Report(synthesis=shown, categories=categories, versions={synthesis.pk: version})


def build_proposal_report(synthesis, position, *, version=None):
    """The report of one flagship-proposal sheet (of a published `version`, if given);
    raises `LookupError` if there is none."""
    synthesis = _with_region(synthesis)
    if version is not None:
        shown = publishing.materialise(version, synthesis)
        found = [p for p in shown.flagship_proposals.all() if p.position == position]
        proposal = found[0] if found else None
    else:
        shown = synthesis
        proposal = FlagshipProposal.objects.filter(synthesis=synthesis, position=position).first()
    if proposal is None:
        raise LookupError(f"Pas de proposition phare n°{position} dans cette synthèse.")
    proposal.synthesis = shown
    _annotate_proposal(proposal)
    versions = {synthesis.pk: version} if version is not None else {}
    return Report(synthesis=shown, proposal=proposal, versions=versions)


def _with_region(synthesis):
    if "region" not in synthesis._state.fields_cache:
        synthesis = Synthesis.objects.select_related("region", "department", "parent").get(
            pk=synthesis.pk
        )
    return synthesis


# Cache key --------------------------------------------------------------------------------


def pdf_filename(synthesis, *, thematic=None, position=None, version=None):
    name = f"synthese-{synthesis.slug}"
    if version is not None:
        name += f"-version-{version}"
    if thematic is not None:
        name += f"-thematique-{thematic}"
    elif position is not None:
        name += f"-proposition-{position}"
    return f"{name}.pdf"


def report_syntheses(synthesis, user, *, thematic=None, position=None):
    """The syntheses a report prints: a regional one brings the active annexes the user may
    read (an archived annex is left out, even for the users who may still read it)."""
    if thematic is not None or position is not None or synthesis.is_departmental:
        return [synthesis]
    annexes = (
        readable_syntheses(user).active().filter(parent=synthesis).order_by("department__code")
    )
    return [synthesis, *annexes]


def shown_to(user, synthesis, thematic=None, position=None):
    """What this user's PDF of the synthesis prints: (syntheses, {id: PublishedVersion}
    printed instead of the stored content, whether it holds changes not published yet)."""
    syntheses = report_syntheses(synthesis, user, thematic=thematic, position=position)
    versions = versions_read_by(user, syntheses)
    return syntheses, versions, unpublished_changes(user, synthesis, versions)


def pdf_key(syntheses, *, thematic=None, position=None, versions=None, unpublished=False):
    """The cache key of a report's PDF: its content, its variant, the template version."""
    if thematic is not None:
        variant = f"n{thematic}"  # canonical number (was "t" + position in the synthesis)
    else:
        variant = f"p{position}" if position is not None else "all"
    if unpublished:
        variant += "-unpublished"
    fingerprint = content_fingerprint(syntheses, versions)
    digest = hashlib.sha256(f"{template_version()}|{variant}|{fingerprint}".encode())
    return f"workshops:report-pdf:{digest.hexdigest()}"


def _template_files():
    base = Path(settings.BASE_DIR)
    yield base / "templates" / "base.html"
    yield from sorted((base / "templates" / "reports").rglob("*.html"))
    yield from sorted((base / "templates" / "reports").rglob("*.typ"))
    yield from sorted((base / "static" / "css").glob("*.css"))


def template_version():
    """Changes whenever a report template, a stylesheet or the renderer changes."""
    stats = tuple(
        (str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in _template_files()
    )
    return _files_digest(stats)


@lru_cache(maxsize=8)
def _files_digest(stats):
    renderer = "|".join(importlib.metadata.version(name) for name in ("typst", "weasyprint"))
    digest = hashlib.sha256(f"{REPORT_FORMAT_VERSION}|{renderer}".encode())
    for path, _mtime, _size in stats:
        digest.update(path.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


# Rendering ---------------------------------------------------------------------------------


def render_html(report, *, for_pdf, request=None):
    """The report as HTML: the preview page (`for_pdf=False`) or the PDF's source."""
    context = {
        "report": report,
        "synthesis": report.synthesis,
        "for_pdf": for_pdf,
        "stage_words": typeset.STAGE_WORDS,
    }
    return render_to_string(REPORT_TEMPLATE, context, request=None if for_pdf else request)


@dataclass
class RenderedPdf:
    pdf: bytes
    pages: int
    source_seconds: float = 0.0
    pdf_seconds: float = 0.0
    from_cache: bool = False


@contextmanager
def _fewer_collections():
    """Runs the cyclic garbage collector less often while WeasyPrint lays out the pages.

    The layout creates and drops millions of small objects; with the default threshold
    the collector passes over them every 700 allocations, about 12 % of the rendering time
    when profiled. A larger first-generation threshold keeps the memory bounded.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 50_000), threshold[1], max(threshold[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


# Tagged PDF (structure tree, /Lang from <html lang="fr">, XMP metadata) for screen readers:
# French public bodies publish accessible documents (RGAA).
PDF_VARIANT = "pdf/ua-1"


def _display_title(document, pdf):
    """PDF/UA: a viewer shows the document's title, not its file name."""
    import pydyf

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})


def write_tagged_pdf(html):
    """(PDF bytes, page count) of an HTML document in the house style, tagged PDF/UA-1: every
    PDF of the platform (syntheses, follow-up, national document) goes through here."""
    import weasyprint  # half a second: only where a PDF is rendered

    from .fetcher import REPORT_BASE_URL, StaticFilesFetcher

    with _fewer_collections():
        document = weasyprint.HTML(
            string=html, base_url=REPORT_BASE_URL, url_fetcher=StaticFilesFetcher()
        ).render()
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=_display_title)
    return pdf, len(document.pages)


def render_pdf(report):
    """Renders the report to PDF (no cache): typeset with Typst (typeset.py), or from its
    HTML with WeasyPrint when the follow-up appendix, HTML of its own, comes with it."""
    started = time.perf_counter()
    if report.followup_appendix:
        source = render_html(report, for_pdf=True)
        rendered = time.perf_counter()
        pdf, pages = write_tagged_pdf(source)
    else:
        source = typeset.report_data(report)
        rendered = time.perf_counter()
        pdf, pages = typeset.compile_pdf(source)
    return RenderedPdf(
        pdf=pdf,
        pages=pages,
        source_seconds=rendered - started,
        pdf_seconds=time.perf_counter() - rendered,
    )


def cached_pdf(key):
    """The PDF cached under this key (see `pdf_key`), or None."""
    cached = cache.get(key)
    if cached is None:
        return None
    return RenderedPdf(pdf=cached["pdf"], pages=cached["pages"], from_cache=True)


def report_pdf(report):
    """The report's PDF, from the cache when the synthesis and templates are unchanged."""
    key = report.cache_key
    cached = cached_pdf(key)
    if cached is not None:
        return cached
    result = render_pdf(report)
    cache.set(key, {"pdf": result.pdf, "pages": result.pages})
    return result
