"""Thin views: the home page and dashboard, the synthesis page, the introduction form, and
each report as an HTML preview or a PDF download.

Who may read what is `reports.can_read`, the platform's rule: anonymous visitors get
published syntheses only; a draft needs a logged-in member of its territory (or staff).
An anonymous visitor asking for a draft is sent to the login page; a logged-in user who
may not read it gets a 404, which does not tell whether the draft exists.

Who may change what is `Synthesis.objects.editable_by`: staff, and the facilitators of the
synthesis's region. Every view that changes content checks it (`editable_synthesis`),
whatever the templates show: a reader who may not edit gets a 403.

An archived synthesis (soft delete, `Synthesis.archive`) is read-only for everyone: only the
users who may manage it (`Synthesis.objects.manageable_by`) still read it, and archive or
restore it through `synthesis_archive` / `synthesis_unarchive`. No view deletes a synthesis:
administrators purge in the admin.
"""

from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from actionplans.models import Action, ActionPlanRow, Actor, Axis, Indicator, Timing

from . import reports
from .forms import positive_int
from .introduction import IntroductionEditor
from .models import (
    ArchiveRefused,
    DiagnosticRow,
    Facilitator,
    Irritant,
    Lever,
    MainIrritant,
    Need,
    ParticipantCategory,
    Participation,
    ProjectionRow,
    RetexSheet,
    Session,
    Strength,
    Synthesis,
    ThematicSection,
)


def readable_synthesis(view):
    """Passes the synthesis named by the URL if the user may read it."""

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        synthesis = get_object_or_404(
            Synthesis.objects.select_related("region", "department", "parent", "archived_by"),
            slug=slug,
        )
        if not reports.can_read(request.user, synthesis):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404("Synthèse introuvable.")
        return view(request, synthesis, **kwargs)

    return require_safe(wrapper)


def may_edit(user, synthesis):
    """Whether this user may change this synthesis (`Synthesis.objects.editable_by`)."""
    if not user.is_authenticated or synthesis.is_archived:
        return False
    return Synthesis.objects.editable_by(user).filter(pk=synthesis.pk).exists()


def may_manage(user, synthesis):
    """Whether this user may archive or unarchive it (`Synthesis.objects.manageable_by`)."""
    if not user.is_authenticated:
        return False
    return Synthesis.objects.manageable_by(user).filter(pk=synthesis.pk).exists()


ARCHIVED_READ_ONLY = (
    "Cette synthèse est archivée\u00a0: elle ne peut plus être modifiée. "
    "Restaurez-la depuis sa page pour la modifier à nouveau."
)


def editable_synthesis(view):
    """Passes the synthesis named by the URL if the user may change it.

    Anonymous users are sent to the login page; a user who may read the synthesis but not
    change it (a departmental referent) gets a 403; one who may not even read it, a 404.
    """

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":  # the session expired while the form was open
                messages.warning(
                    request,
                    "Votre session a expiré : vos modifications n'ont pas été enregistrées. "
                    "Reconnectez-vous, puis saisissez-les à nouveau.",
                )
            return redirect_to_login(request.get_full_path())
        synthesis = get_object_or_404(
            Synthesis.objects.select_related("region", "department", "parent"), slug=slug
        )
        if not may_edit(request.user, synthesis):
            if synthesis.is_archived and may_manage(request.user, synthesis):
                raise PermissionDenied(ARCHIVED_READ_ONLY)
            if reports.can_read(request.user, synthesis):
                raise PermissionDenied("Vous pouvez lire cette synthèse, pas la modifier.")
            raise Http404("Synthèse introuvable.")
        return view(request, synthesis, **kwargs)

    return require_http_methods(["GET", "HEAD", "POST"])(wrapper)


def _thematic(request):
    value = request.GET.get("thematique")
    if value in (None, ""):
        return None
    number = positive_int(value)
    if number is None:
        raise Http404("Numéro de thématique invalide.")
    return number


def _preview(request, report):
    return HttpResponse(reports.render_html(report, for_pdf=False, request=request))


def _pdf(request, synthesis, build, *, thematic=None, position=None):
    """The PDF from the cache when its content is unchanged, else rendered and cached.

    The cache key hashes the content without loading the report, so a cached PDF (or a
    304 for a matching ETag) costs one query per table and no rendering.
    """
    syntheses = reports.report_syntheses(
        synthesis, request.user, thematic=thematic, position=position
    )
    key = reports.pdf_key(syntheses, thematic=thematic, position=position)
    etag = f'"{key.rsplit(":", 1)[-1][:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers={"ETag": etag})
    rendered = reports.cached_pdf(key)
    if rendered is None:
        try:
            report = build()
        except LookupError as error:
            raise Http404(str(error)) from error
        report.cache_key = key
        rendered = reports.report_pdf(report)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    filename = reports.pdf_filename(synthesis, thematic=thematic, position=position)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = etag
    # What a logged-in user gets may hold drafts (the synthesis or its annexes): no shared
    # cache may keep it.
    public = synthesis.status == Synthesis.Status.PUBLISHED and not request.user.is_authenticated
    response["Cache-Control"] = "no-cache" if public else "private, no-cache"
    return response


def _listed(syntheses):
    """Syntheses in the order of the lists: by year, region, regional one first."""
    return syntheses.order_by("-year", "region__name", F("department__code").asc(nulls_first=True))


@require_safe
def home(request):
    """The published syntheses for visitors; « Mes synthèses » for logged-in users."""
    if request.user.is_authenticated:
        return _dashboard(request)
    syntheses = _listed(reports.readable_syntheses(request.user))
    return render(request, "workshops/home.html", {"syntheses": syntheses})


def _dashboard(request):
    """The syntheses the user may read; the archived ones they manage, in their own list."""
    user = request.user
    readable = list(_listed(reports.readable_syntheses(user).select_related("archived_by")))
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
        "workshops/dashboard.html",
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


# What the synthesis page counts in each section, stage by stage: (attribute, model, path
# to the section, singular, plural).
STAGE_COUNTS = [
    (
        "Retour d’expérience et diagnostic",
        [
            ("retex_count", RetexSheet, "section", "fiche RETEX", "fiches RETEX"),
            ("diagnostic_count", DiagnosticRow, "section", "ligne", "lignes"),
            ("irritant_count", Irritant, "row__section", "irritant", "irritants"),
            ("strength_count", Strength, "row__section", "point fort", "points forts"),
        ],
    ),
    (
        "Projections",
        [
            ("projection_count", ProjectionRow, "section", "ligne", "lignes"),
            (
                "main_irritant_count",
                MainIrritant,
                "row__section",
                "irritant principal",
                "irritants principaux",
            ),
            ("need_count", Need, "row__section", "besoin", "besoins"),
            (
                "lever_count",
                Lever,
                "row__section",
                "axe d’amélioration ou levier",
                "axes d’amélioration ou leviers",
            ),
        ],
    ),
    (
        "Plan d’action",
        [
            ("action_plan_count", ActionPlanRow, "section", "ligne", "lignes"),
            ("axis_count", Axis, "row__section", "axe (Quoi)", "axes (Quoi)"),
            ("action_count", Action, "row__section", "action (Comment)", "actions (Comment)"),
            ("actor_count", Actor, "row__section", "acteur (Qui)", "acteurs (Qui)"),
            ("timing_count", Timing, "row__section", "temporalité (Quand)", "temporalités (Quand)"),
            ("indicator_count", Indicator, "row__section", "indicateur", "indicateurs"),
        ],
    ),
]


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
            reports.readable_syntheses(user)
            .active()
            .filter(parent=synthesis)
            .order_by("department__code")
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
        "parent": parent if parent is not None and reports.can_read(user, parent) else None,
    }
    return render(request, "workshops/synthesis_detail.html", context)


# The introduction ----------------------------------------------------------------------------


@editable_synthesis
def introduction_edit(request, synthesis):
    """The introduction block on one page: sessions, facilitators, participants.

    Invalid input: 422, the page with the messages next to the fields, nothing saved.
    Someone saved an object the user changed: 409, both versions shown, nothing saved.
    """
    status = 200
    if request.method == "POST":
        editor = IntroductionEditor(synthesis, request.POST)
        if not editor.is_valid():
            status = 422
        elif editor.save():
            if editor.changed:
                messages.success(request, "L’introduction est enregistrée.")
            else:
                messages.info(request, "Aucune modification à enregistrer.")
            return redirect(reverse("workshops:synthesis_detail", args=[synthesis.slug]))
        else:
            editor = editor.rebased()
            status = 409
    else:
        editor = IntroductionEditor(synthesis)
    context = {
        "synthesis": synthesis,
        "editor": editor,
        "errors": editor.forms_with_errors() if status == 422 else [],
    }
    return render(request, "workshops/introduction_form.html", context, status=status)


@readable_synthesis
def synthesis_preview(request, synthesis):
    try:
        report = reports.build_report(synthesis, request.user, thematic=_thematic(request))
    except LookupError as error:
        raise Http404(str(error)) from error
    return _preview(request, report)


@readable_synthesis
def synthesis_pdf(request, synthesis):
    thematic = _thematic(request)
    build = partial(reports.build_report, synthesis, request.user, thematic=thematic)
    return _pdf(request, synthesis, build, thematic=thematic)


@readable_synthesis
def proposal_preview(request, synthesis, position):
    try:
        report = reports.build_proposal_report(synthesis, position)
    except LookupError as error:
        raise Http404(str(error)) from error
    return _preview(request, report)


@readable_synthesis
def proposal_pdf(request, synthesis, position):
    build = partial(reports.build_proposal_report, synthesis, position)
    return _pdf(request, synthesis, build, position=position)


# Archive (soft delete) ---------------------------------------------------------------------


def managed_synthesis(view):
    """Passes the synthesis named by the URL if the user may archive or unarchive it.

    Like `editable_synthesis`: anonymous users go to the login page, readers get a 403, the
    others a 404; but an archived synthesis is let through.
    """

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        synthesis = get_object_or_404(
            Synthesis.objects.select_related("region", "department", "parent", "archived_by"),
            slug=slug,
        )
        if not may_manage(request.user, synthesis):
            if reports.can_read(request.user, synthesis):
                raise PermissionDenied(
                    "Vous pouvez lire cette synthèse, pas l’archiver ni la restaurer."
                )
            raise Http404("Synthèse introuvable.")
        return view(request, synthesis, **kwargs)

    return require_http_methods(["GET", "HEAD", "POST"])(wrapper)


def _archive_page(request, synthesis, template, *, error=None, status=200):
    context = {
        "synthesis": synthesis,
        "error": error,
        "annexes": list(
            synthesis.annexes.active().select_related("department").order_by("department__code")
        ),
    }
    return render(request, f"workshops/{template}", context, status=status)


@managed_synthesis
def synthesis_archive(request, synthesis):
    """« Archiver »: a confirmation page, then the POST that archives (nothing is deleted).

    Refused (409, the page says why): already archived, or a regional synthesis with
    active annexes.
    """
    if request.method != "POST":
        if synthesis.is_archived:
            messages.info(request, "Cette synthèse est déjà archivée.")
            return redirect(reverse("workshops:synthesis_detail", args=[synthesis.slug]))
        return _archive_page(request, synthesis, "synthesis_archive.html")
    try:
        synthesis.archive(request.user)
    except ArchiveRefused as refusal:
        return _archive_page(
            request, synthesis, "synthesis_archive.html", error=str(refusal), status=409
        )
    messages.success(
        request,
        f"La synthèse «\u00a0{synthesis.title}\u00a0» est archivée\u00a0: rien n’est supprimé. "
        "Elle n’est plus proposée à ses lecteurs\u00a0; vous la retrouvez dans la liste "
        "«\u00a0Synthèses archivées\u00a0», d’où vous pouvez la restaurer.",
    )
    return redirect(reverse("workshops:home"))


@managed_synthesis
def synthesis_unarchive(request, synthesis):
    """« Restaurer » an archived synthesis: a confirmation page, then the POST.

    Refused (409): not archived, or its regional synthesis is archived.
    """
    if request.method != "POST":
        if not synthesis.is_archived:
            messages.info(request, "Cette synthèse n’est pas archivée.")
            return redirect(reverse("workshops:synthesis_detail", args=[synthesis.slug]))
        return _archive_page(request, synthesis, "synthesis_unarchive.html")
    try:
        synthesis.unarchive(request.user)
    except ArchiveRefused as refusal:
        return _archive_page(
            request, synthesis, "synthesis_unarchive.html", error=str(refusal), status=409
        )
    messages.success(
        request,
        f"La synthèse «\u00a0{synthesis.title}\u00a0» est restaurée\u00a0: elle est de nouveau "
        "proposée à ses lecteurs et modifiable.",
    )
    return redirect(reverse("workshops:synthesis_detail", args=[synthesis.slug]))
