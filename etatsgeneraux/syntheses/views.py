"""The syntheses as readers find them: the home page and « Mes synthèses », the page of a
synthesis with its counts per stage, and archiving or restoring a synthesis.

Who may do what: `workshops.permissions`. No view deletes a synthesis: administrators purge
in the admin.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from etatsgeneraux.exchange.exports import files as exports
from etatsgeneraux.publishing import versions as publishing
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.stages import DIAGNOSTIC, STAGES
from workshops.models import (
    ArchiveRefused,
    Facilitator,
    ParticipantCategory,
    Participation,
    RetexSheet,
    Session,
    Synthesis,
    ThematicSection,
)
from workshops.permissions import (
    managed_synthesis,
    may_edit,
    may_manage,
    may_open_board,
    may_publish,
    may_read,
    readable_syntheses,
    readable_synthesis,
    reads_working_version,
    versions_read_by,
)

from . import downloads
from .filters import read as filters_of
from .participants import session_totals, synthesis_totals


def _listed(syntheses):
    """Syntheses in the order of the lists: by year, region, regional one first."""
    return syntheses.order_by("-year", "region__name", F("department__code").asc(nulls_first=True))


@require_safe
def home(request):
    """The published syntheses for visitors; « Mes synthèses » for logged-in users. Both
    lists take the filters of the query string (`filters`)."""
    if request.user.is_authenticated:
        return _dashboard(request)
    listed = list(_listed(readable_syntheses(request.user)))
    filters = filters_of(request.GET, listed)
    context = {"syntheses": filters.apply(listed), "filters": filters, "total": len(listed)}
    return render(request, "syntheses/home.html", context)


def _dashboard(request):
    """The syntheses the user may read; the archived ones they manage, in their own list."""
    user = request.user
    readable = list(_listed(readable_syntheses(user).select_related("archived_by")))
    manageable = set(Synthesis.objects.manageable_by(user).values_list("pk", flat=True))
    syntheses, archived = [], []
    for synthesis in readable:
        synthesis.user_may_edit = synthesis.pk in manageable and not synthesis.is_archived
        if not synthesis.is_archived:
            syntheses.append(synthesis)
        elif synthesis.pk in manageable:
            archived.append(synthesis)
    filters = filters_of(request.GET, syntheses + archived)
    memberships = user.memberships.select_related("region", "department").order_by("role")
    context = {
        "syntheses": filters.apply(syntheses),
        "archived": filters.apply(archived),
        "memberships": memberships,
        "filters": filters,
        "total": len(syntheses),
    }
    return render(request, "syntheses/dashboard.html", context)


# The synthesis page ----------------------------------------------------------------------


def _count(model, path):
    """A subquery counting the rows of `model` whose `path` leads to the section."""
    rows = (
        model.objects.filter(**{path: OuterRef("pk")})
        .order_by()
        .values(path)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _stage_counts(stage):
    """What the synthesis page counts in a stage: (annotation, model, path, noun, plural)."""
    rows = [(stage.row_count_attribute, stage.row_model, "section", "ligne", "lignes")]
    if stage.slug == DIAGNOSTIC:
        rows.insert(0, ("retex_count", RetexSheet, "section", "fiche RETEX", "fiches RETEX"))
    return rows + [
        (cell.count_attribute, cell.model, "row__section", cell.noun, cell.plural)
        for cell in stage.cells
    ]


STAGE_COUNTS = [(stage.label, _stage_counts(stage)) for stage in STAGES.values()]


def counted(number, singular, plural):
    """« 0 irritant », « 1 irritant », « 2 irritants » (French keeps 0 and 1 singular)."""
    return f"{number}\u00a0{singular if number < 2 else plural}"


def section_summaries(synthesis):
    """The sections of a synthesis with their counts per stage, in one query."""
    counts = {
        attribute: _count(model, path)
        for _, items in STAGE_COUNTS
        for attribute, model, path, _, _ in items
    }
    sections = list(
        ThematicSection.objects.filter(synthesis=synthesis)
        .select_related("thematic")
        .annotate(**counts)
        .order_by("position")
    )
    return _with_stage_lines(sections)


def version_summaries(shown):
    """The same, for a published version rebuilt by `publishing.materialise` (no query)."""
    sections = list(shown.sections.all())
    sheets = list(shown.retex_sheets.all())
    for section in sections:
        section.retex_count = sum(1 for sheet in sheets if sheet.section_id == section.pk)
        for stage in STAGES.values():
            rows = list(getattr(section, stage.related_name).all())
            setattr(section, stage.row_count_attribute, len(rows))
            for cell in stage.cells:
                count = sum(len(getattr(row, cell.related_name).all()) for row in rows)
                setattr(section, cell.count_attribute, count)
    return _with_stage_lines(sections)


def _with_stage_lines(sections):
    for section in sections:
        section.stages = [
            (
                label,
                [
                    counted(getattr(section, attribute), singular, plural)
                    for attribute, _, _, singular, plural in items
                ],
            )
            for label, items in STAGE_COUNTS
        ]
    return sections


def _sessions(synthesis):
    """The introduction's sessions with their facilitators and nine categories."""
    sessions = list(
        Session.objects.filter(synthesis=synthesis)
        .order_by("position")
        .prefetch_related(
            Prefetch("facilitators", Facilitator.objects.order_by("position")),
            Prefetch("participations", Participation.objects.all()),
        )
    )
    return with_categories(sessions)


def with_categories(sessions, categories=None):
    """Gives each session its facilitators, its nine categories (each with its participation
    or None) and its participant totals; the sessions' related lists are loaded already."""
    if categories is None:
        categories = list(ParticipantCategory.objects.order_by("number"))
    for session in sessions:
        by_category = {item.category_id: item for item in session.participations.all()}
        session.facilitator_list = list(session.facilitators.all())
        session.categories = [(category, by_category.get(category.pk)) for category in categories]
        session.participant_totals = session_totals(session.categories)
    return sessions


def _content(synthesis, version):
    """What the page shows of the synthesis: its stored content, or a published version."""
    if version is None:
        return {
            "sessions": _sessions(synthesis),
            "sections": section_summaries(synthesis),
            "shared_retex_count": RetexSheet.objects.filter(
                synthesis=synthesis, section__isnull=True
            ).count(),
            "proposals": list(synthesis.flagship_proposals.order_by("position")),
        }
    shown = publishing.materialise(version, synthesis)
    return {
        "shown": shown,
        "sessions": with_categories(list(shown.sessions.all())),
        "sections": version_summaries(shown),
        "shared_retex_count": sum(1 for s in shown.retex_sheets.all() if s.section_id is None),
        "proposals": list(shown.flagship_proposals.all()),
    }


@readable_synthesis
def synthesis_detail(request, synthesis):
    """The page of a synthesis: its working version for those who manage it, its last
    published version for its other readers (etatsgeneraux.publishing)."""
    user = request.user
    annexes = []
    if not synthesis.is_departmental:
        annexes = list(
            readable_syntheses(user).active().filter(parent=synthesis).order_by("department__code")
        )
    parent = synthesis.parent
    can_edit = may_edit(user, synthesis)
    # An active synthesis is managed by those who edit it: no second query.
    can_manage = may_manage(user, synthesis) if synthesis.is_archived else can_edit
    versions = publishing.versions_of(synthesis)
    for version in versions:
        version.changes = publishing.describe(version.summary)
    latest = versions[0] if versions else None
    shown_version = None
    if latest is not None and not reads_working_version(user, synthesis, manages=can_manage):
        shown_version = latest
    content = _content(synthesis, shown_version)
    context = {
        "synthesis": synthesis,
        "can_edit": can_edit,
        "can_manage": can_manage,
        "can_open_board": may_open_board(user, synthesis, reads=True, manages=can_manage),
        "can_publish": may_publish(user, synthesis, edits=can_edit),
        **content,
        "participant_totals": synthesis_totals(content["sessions"]),
        "versions": versions,
        "latest_version": latest,
        "shown_version": shown_version,
        "unpublished": shown_version is None
        and synthesis.status == Synthesis.Status.PUBLISHED
        and publishing.has_unpublished_changes(synthesis, latest),
        "annexes": annexes,
        "parent": parent if parent is not None and may_read(user, parent) else None,
        # « Télécharger »: every format with its size when known (no query).
        "downloads": downloads.block(synthesis, shown_version=shown_version, annexes=annexes),
    }
    return render(request, "syntheses/synthesis_detail.html", context)


# Archive (soft delete) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveStep:
    """Archiving or restoring: the same confirmation page and POST, with their own words."""

    template: str
    applies: Callable  # (synthesis, user), raises ArchiveRefused
    already: Callable  # the synthesis is already in the state asked for
    already_message: str
    done_message: str  # formatted with the synthesis's title
    next_url: Callable  # where to go once done


ARCHIVE = ArchiveStep(
    "syntheses/synthesis_archive.html",
    lambda synthesis, user: synthesis.archive(user),
    lambda synthesis: synthesis.is_archived,
    "Cette synthèse est déjà archivée.",
    "La synthèse «\u00a0{}\u00a0» est archivée\u00a0: rien n’est supprimé. "
    "Elle n’est plus proposée à ses lecteurs\u00a0; vous la retrouvez dans la liste "
    "«\u00a0Synthèses archivées\u00a0», d’où vous pouvez la restaurer.",
    lambda synthesis: reverse("syntheses:home"),
)
UNARCHIVE = ArchiveStep(
    "syntheses/synthesis_unarchive.html",
    lambda synthesis, user: synthesis.unarchive(user),
    lambda synthesis: not synthesis.is_archived,
    "Cette synthèse n’est pas archivée.",
    "La synthèse «\u00a0{}\u00a0» est restaurée\u00a0: elle est de nouveau "
    "proposée à ses lecteurs et modifiable.",
    lambda synthesis: reverse("syntheses:detail", args=[synthesis.slug]),
)


def _archive_step(request, synthesis, step):
    """A confirmation page, then the POST; refused (409, the page says why) by the rules of
    `Synthesis.archive` / `unarchive`. Nothing is ever deleted."""
    if request.method != "POST" and step.already(synthesis):
        messages.info(request, step.already_message)
        return redirect(reverse("syntheses:detail", args=[synthesis.slug]))
    error, status = None, 200
    if request.method == "POST":
        try:
            step.applies(synthesis, request.user)
        except ArchiveRefused as refusal:
            error, status = str(refusal), 409
        else:
            messages.success(request, step.done_message.format(synthesis.title))
            return redirect(step.next_url(synthesis))
    annexes = synthesis.annexes.active().select_related("department").order_by("department__code")
    context = {"synthesis": synthesis, "error": error, "annexes": list(annexes)}
    return render(request, step.template, context, status=status)


@managed_synthesis
def synthesis_archive(request, synthesis):
    """« Archiver »: refused while a regional synthesis has active annexes."""
    return _archive_step(request, synthesis, ARCHIVE)


@managed_synthesis
def synthesis_unarchive(request, synthesis):
    """« Restaurer »: refused while its regional synthesis is archived."""
    return _archive_step(request, synthesis, UNARCHIVE)


@readable_synthesis
def synthesis_downloads(request, synthesis):
    """The « Télécharger » block with every size it can know: the data files are written
    (and cached) if they are not yet, the PDF's size is read from its cache."""
    user = request.user
    syntheses = reports.report_syntheses(synthesis, user)
    pdf_versions = versions_read_by(user, syntheses)
    versions = {pk: v for pk, v in pdf_versions.items() if pk == synthesis.pk}
    found = {}
    for fmt in exports.FORMATS:
        try:
            found[fmt] = len(exports.export(fmt, [synthesis], user=user, versions=versions).data)
        except exports.ExportRefused:
            found[fmt] = None
    unpublished = reports.unpublished_changes(user, synthesis, pdf_versions)
    cached = reports.cached_pdf(
        reports.pdf_key(syntheses, versions=pdf_versions, unpublished=unpublished)
    )
    found["pdf"] = len(cached.pdf) if cached is not None else None
    if cached is not None:
        exports.remember_size(
            downloads.pdf_size_key(synthesis, versions, syntheses[1:]), found["pdf"]
        )
    shown = downloads.block(
        synthesis, shown_version=versions.get(synthesis.pk), annexes=syntheses[1:], sizes=found
    )
    shown.complete = True  # never asks again: a PDF not rendered yet has no size
    return render(request, "syntheses/downloads.html", {"downloads": shown})
