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
    may_read,
    readable_syntheses,
    readable_synthesis,
)


def _listed(syntheses):
    """Syntheses in the order of the lists: by year, region, regional one first."""
    return syntheses.order_by("-year", "region__name", F("department__code").asc(nulls_first=True))


@require_safe
def home(request):
    """The published syntheses for visitors; « Mes synthèses » for logged-in users."""
    if request.user.is_authenticated:
        return _dashboard(request)
    syntheses = _listed(readable_syntheses(request.user))
    return render(request, "syntheses/home.html", {"syntheses": syntheses})


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
    memberships = user.memberships.select_related("region", "department").order_by("role")
    return render(
        request,
        "syntheses/dashboard.html",
        {"syntheses": syntheses, "archived": archived, "memberships": memberships},
    )


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
    categories = list(ParticipantCategory.objects.order_by("number"))
    sessions = list(
        Session.objects.filter(synthesis=synthesis)
        .order_by("position")
        .prefetch_related(
            Prefetch("facilitators", Facilitator.objects.order_by("position")),
            Prefetch("participations", Participation.objects.all()),
        )
    )
    for session in sessions:
        by_category = {item.category_id: item for item in session.participations.all()}
        session.facilitator_list = list(session.facilitators.all())
        session.categories = [(category, by_category.get(category.pk)) for category in categories]
    return sessions


@readable_synthesis
def synthesis_detail(request, synthesis):
    user = request.user
    annexes = []
    if not synthesis.is_departmental:
        annexes = list(
            readable_syntheses(user).active().filter(parent=synthesis).order_by("department__code")
        )
    parent = synthesis.parent
    can_edit = may_edit(user, synthesis)
    context = {
        "synthesis": synthesis,
        "can_edit": can_edit,
        # An active synthesis is managed by those who edit it: no second query.
        "can_manage": may_manage(user, synthesis) if synthesis.is_archived else can_edit,
        "sessions": _sessions(synthesis),
        "sections": section_summaries(synthesis),
        "shared_retex_count": RetexSheet.objects.filter(
            synthesis=synthesis, section__isnull=True
        ).count(),
        "proposals": list(synthesis.flagship_proposals.order_by("position")),
        "annexes": annexes,
        "parent": parent if parent is not None and may_read(user, parent) else None,
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
