"""« État d'avancement »: the follow-up pages of a synthesis and the forms that record it.

Readers of a synthesis (referents included) read its follow-up; those who may edit it
(facilitators of its region, staff) record it. Every page loads its data with a constant
number of queries (`rollup.load`), whatever the size of the synthesis.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from actionplans.followup import (
    JournalEntry,
    Status,
    proposed_due_date,
    today,
)
from actionplans.followup_forms import (
    BulkProgressForm,
    ImportForm,
    IndicatorForm,
    MeasurementForm,
    ProgressForm,
    WeightsForm,
)
from actionplans.models import Horizon
from etatsgeneraux.reports.rendering import cached_or_rendered
from workshops.models import Synthesis
from workshops.permissions import (
    NOT_FOUND,
    may_edit,
    may_read,
    refuse_edit,
)
from workshops.text import NBSP

from . import charts, csvio, recording, rollup, tasks
from . import pdf as followup_pdf
from .recording import FollowUpError, ProgressChange, StaleFollowUp
from .rollup import load_page_followup

ACTIONS_PER_PAGE = 50
INDICATORS_PER_PAGE = 12
LATEST_MEASUREMENTS = 5
LISTED = 10  # actions late, due soon, to chase: the first ten, then a filtered list


def followup_view(edit=False, methods=("GET", "HEAD")):
    """Passes the synthesis if the user may read it (`edit`: change it) — the rules of
    workshops.permissions; `can_edit` tells the view whether the user may record."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, **kwargs):
            synthesis = get_object_or_404(
                Synthesis.objects.select_related("region", "department", "parent"), slug=slug
            )
            writing = edit or request.method == "POST"
            if writing:
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not may_edit(request.user, synthesis):
                    refuse_edit(request.user, synthesis)
                request.can_edit = True
            else:
                if not may_read(request.user, synthesis):
                    if not request.user.is_authenticated:
                        return redirect_to_login(request.get_full_path())
                    raise Http404(NOT_FOUND)
                request.can_edit = request.user.is_authenticated and may_edit(
                    request.user, synthesis
                )
            return view(request, synthesis, **kwargs)

        return require_http_methods(list(methods))(wrapper)

    return decorator


class Filters:
    """The filters of the page, from its URL: status, pilot, horizon, thematic, a list."""

    LISTS = {
        "retard": "en retard",
        "echeance": "à échéance sous 30 jours",
        "relancer": "à relancer",
    }

    def __init__(self, query, number=None):
        self.status = query.get("statut", "")
        if self.status not in Status.values:
            self.status = ""
        self.pilot = query.get("pilote", "")[:200]
        self.horizon = query.get("horizon", "")
        if self.horizon not in Horizon.values and self.horizon != "aucun":
            self.horizon = ""
        self.thematic = number
        self.list = query.get("liste", "")
        if self.list not in self.LISTS:
            self.list = ""

    @property
    def list_label(self):
        return self.LISTS.get(self.list, "")

    @property
    def active(self):
        return bool(self.status or self.pilot or self.horizon or self.list)

    def query(self, **changes):
        values = {
            "statut": self.status,
            "pilote": self.pilot,
            "horizon": self.horizon,
            "liste": self.list,
            **changes,
        }
        return urlencode({key: value for key, value in values.items() if value})

    def apply(self, followup, actions):
        if self.list:
            late, soon = followup.due()
            chosen = {"retard": late, "echeance": soon, "relancer": followup.stale()}[self.list]
            keep = {action.pk for action in chosen}
            actions = [action for action in actions if action.pk in keep]
        if self.status:
            actions = [action for action in actions if action.status == self.status]
        if self.pilot:
            actions = [action for action in actions if action.pilot == self.pilot]
        if self.horizon:
            wanted = "" if self.horizon == "aucun" else self.horizon
            actions = [action for action in actions if action.row.horizon == wanted]
        return actions


def _page_number(request, name):
    value = request.GET.get(name, "1")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else 1


def indicator_blocks(indicators, prefix="i"):
    """Each indicator with its chart and its latest measurements (the full table is on its
    own page): measurements read in one query."""
    rollup.load_measurements(indicators)
    blocks = []
    for indicator in indicators:
        blocks.append(
            {
                "indicator": indicator,
                "chart": charts.indicator_chart(indicator, chart_id=f"{prefix}{indicator.pk}"),
                "latest": indicator.measurements[-LATEST_MEASUREMENTS:][::-1],
                "count": len(indicator.measurements),
            }
        )
    return blocks


@followup_view()
def page(request, synthesis, number=None):
    followup, region, region_progress, region_weight = load_page_followup(request.user, synthesis)
    sections = followup.sections
    section = None
    if number is not None:
        section = next((s for s in sections if s.number == number), None)
        if section is None:
            raise Http404("Cette synthèse ne traite pas cette thématique.")
    filters = Filters(request.GET, number)
    scope = [section] if section else sections
    actions = [action for s in scope for action in s.actions]
    shown = filters.apply(followup, actions)
    actions_page = Paginator(shown, ACTIONS_PER_PAGE).get_page(_page_number(request, "page"))
    indicators = [indicator for s in scope for row in s.rows for indicator in row.indicators]
    indicators_page = Paginator(indicators, INDICATORS_PER_PAGE).get_page(
        _page_number(request, "ipage")
    )
    late, soon = followup.due()
    stale = followup.stale()
    context = {
        "synthesis": synthesis,
        "followup": followup,
        "section": section,
        "sections": sections,
        "scope": scope,
        "region": region,
        "region_progress": region_progress,
        "region_weight": region_weight,
        "filters": filters,
        "status_choices": Status.choices,
        "horizon_choices": Horizon.choices,
        "pilots": followup.pilots(),
        "actions_page": actions_page,
        "action_count": len(shown),
        "indicators_page": indicators_page,
        "indicator_blocks": indicator_blocks(list(indicators_page.object_list)),
        "late": late[:LISTED],
        "late_count": len(late),
        "soon": soon[:LISTED],
        "soon_count": len(soon),
        "stale": stale[:LISTED],
        "stale_count": len(stale),
        "never_followed": followup.never_followed(),
        "status_counts": followup.status_counts(),
        "can_edit": request.can_edit,
        "page_url": request.path,
    }
    return render(request, "followup/page.html", context)


def _find(followup, key, kind):
    items = followup.actions if kind == "action" else followup.indicators
    found = next((item for item in items if item.key == key), None)
    if found is None:
        raise Http404("Action introuvable." if kind == "action" else "Indicateur introuvable.")
    return found


def _progress_initial(action):
    due = action.due_date
    start = action.start_date
    if due is None:
        due = proposed_due_date(action.row.horizon, start or today())
    return {
        "version": action.version,
        "status": action.status,
        "progress": action.progress,
        "pilot_name": "" if action.pilot_user_id else action.pilot,
        "pilot_user": action.pilot_user_id,
        "start_date": start,
        "due_date": due,
        "weight": action.weight,
    }


@followup_view(methods=("GET", "HEAD", "POST"))
def action_page(request, synthesis, key):
    followup = rollup.load(synthesis, with_indicators=False)[synthesis.pk]
    action = _find(followup, key, "action")
    conflict = None
    form = None
    if request.can_edit:
        if request.method == "POST":
            form = ProgressForm(request.POST, region=synthesis.region)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    recording.record_progress(
                        synthesis,
                        request.user,
                        [
                            ProgressChange(
                                action_id=action.pk,
                                expected_version=data["version"],
                                status=data["status"],
                                progress=data["progress"],
                                pilot_name=data["pilot_name"],
                                pilot_user=data["pilot_user"],
                                start_date=data["start_date"],
                                due_date=data["due_date"],
                                weight=data["weight"],
                            )
                        ],
                        data["comment"],
                    )
                except StaleFollowUp as stale:
                    _action, stored = stale.stale[0]
                    conflict = {"stored": stored}
                    # The next save overrides theirs, knowingly.
                    form.data = form.data.copy()
                    form.data["version"] = stored.version if stored else 0
                except FollowUpError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, "Suivi de l’action enregistré.")
                    return redirect("followup:action", synthesis.slug, key)
        else:
            form = ProgressForm(initial=_progress_initial(action), region=synthesis.region)
    journal = (
        JournalEntry.objects.filter(action_id=action.pk)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "followup/action.html",
        {
            "synthesis": synthesis,
            "followup": followup,
            "action": action,
            "journal": journal,
            "form": form,
            "conflict": conflict,
            "can_edit": request.can_edit,
            "proposed_due": proposed_due_date(action.row.horizon, action.start_date or today()),
        },
    )


@followup_view(methods=("GET", "HEAD", "POST"))
def indicator_page(request, synthesis, key):
    followup = rollup.load(synthesis)[synthesis.pk]
    indicator = _find(followup, key, "indicator")
    target_form = measurement_form = None
    if request.can_edit:
        target_form = IndicatorForm(
            initial={
                "version": indicator.version,
                "qualitative": indicator.qualitative,
                "unit": indicator.unit,
                "initial_value": indicator.initial_value,
                "initial_date": indicator.initial_date,
                "target_value": indicator.target_value,
                "target_date": indicator.target_date,
            }
        )
        measurement_form = MeasurementForm(initial={"date": today()})
        if request.method == "POST":
            if request.POST.get("form") == "target":
                target_form = IndicatorForm(request.POST)
                if target_form.is_valid():
                    data = dict(target_form.cleaned_data)
                    version = data.pop("version")
                    try:
                        recording.set_indicator(synthesis, indicator.pk, version, data)
                    except FollowUpError as error:
                        for message in error.messages:
                            target_form.add_error(None, message)
                    else:
                        messages.success(request, "Valeurs de l’indicateur enregistrées.")
                        return redirect("followup:indicator", synthesis.slug, key)
            else:
                measurement_form = MeasurementForm(request.POST)
                if measurement_form.is_valid():
                    data = measurement_form.cleaned_data
                    try:
                        recording.record_measurement(
                            synthesis,
                            request.user,
                            indicator.pk,
                            data["date"],
                            data["value"],
                            data["note"],
                        )
                    except FollowUpError as error:
                        for message in error.messages:
                            measurement_form.add_error(None, message)
                    else:
                        messages.success(request, "Mesure enregistrée.")
                        return redirect("followup:indicator", synthesis.slug, key)
    rollup.load_measurements([indicator])
    return render(
        request,
        "followup/indicator.html",
        {
            "synthesis": synthesis,
            "indicator": indicator,
            "chart": charts.indicator_chart(indicator, chart_id=f"i{indicator.pk}"),
            "measurements": indicator.measurements[::-1],
            "target_form": target_form,
            "measurement_form": measurement_form,
            "can_edit": request.can_edit,
        },
    )


@require_POST
@followup_view(edit=True, methods=("POST",))
def bulk_change(request, synthesis):
    followup = rollup.load(synthesis, with_indicators=False)[synthesis.pk]
    versions = {action.pk: action.version for action in followup.actions}
    form = BulkProgressForm(request.POST, action_ids=list(versions))
    back = request.POST.get("next", "")
    if not back.startswith(f"/syntheses/{synthesis.slug}/suivi/"):
        back = reverse("followup:page", args=[synthesis.slug])
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    data = form.cleaned_data
    # The versions the page showed: an action changed since is refused, with the others.
    shown = {}
    for pk in data["actions"]:
        value = request.POST.get(f"version_{pk}", "")
        shown[pk] = int(value) if value.isdigit() and len(value) < 10 else None
    changes = [
        ProgressChange(
            action_id=pk,
            expected_version=shown[pk],
            status=data["status"],
            progress=data["progress"],
        )
        for pk in data["actions"]
    ]
    try:
        entries = recording.record_progress(synthesis, request.user, changes, data["comment"])
    except StaleFollowUp as error:
        messages.error(
            request,
            f"Rien n’a été enregistré{NBSP}: des actions cochées ont été mises à jour entre-temps "
            "(la page montre maintenant leur état). " + " ".join(error.messages),
        )
    except FollowUpError as error:
        messages.error(request, f"Rien n’a été enregistré{NBSP}: " + " ".join(error.messages))
    else:
        label = dict(Status.choices)[data["status"]]
        count = len(entries)
        messages.success(
            request,
            f"{count} action{'s' if count > 1 else ''} passée{'s' if count > 1 else ''} "
            f"à «{NBSP}{label}{NBSP}», une entrée de journal chacune.",
        )
    return redirect(back)


@followup_view(edit=True, methods=("GET", "HEAD", "POST"))
def weights(request, synthesis):
    followup = rollup.load(synthesis, with_indicators=False)[synthesis.pk]
    settings = followup.settings
    initial = {
        "version": settings.version,
        "weight": settings.weight,
        "stale_days": settings.stale_days,
    }
    form = WeightsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        sections=followup.sections,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recording.set_weights(
                synthesis,
                expected_version=data["version"],
                weight=data["weight"],
                stale_days=data["stale_days"],
                thematic_weights={
                    s.number: data[f"thematic_{s.number}"] for s in followup.sections
                },
                rows={row.pk: data[f"row_{row.pk}"] for row in followup.rows},
            )
        except FollowUpError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Poids et délai de relance enregistrés.")
            return redirect("followup:page", synthesis.slug)
    groups = [
        (
            section,
            form[f"thematic_{section.number}"],
            [(row, form[f"row_{row.pk}"]) for row in section.rows],
        )
        for section in followup.sections
    ]
    return render(
        request,
        "followup/weights.html",
        {"synthesis": synthesis, "form": form, "groups": groups, "followup": followup},
    )


@followup_view()
def export_csv(request, synthesis):
    followup = rollup.load(synthesis)[synthesis.pk]
    data = csvio.export_bytes(followup)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"suivi-{synthesis.slug}.csv"
    )
    return response


@followup_view(edit=True, methods=("GET", "HEAD", "POST"))
def import_csv(request, synthesis):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        if upload.size > csvio.MAX_BYTES:
            errors = [csvio.too_big_text()]
        else:
            try:
                result = csvio.import_bytes(
                    upload.read(), user=request.user, synthesis=synthesis, dry_run=dry_run
                )
            except csvio.CsvError as error:
                errors = error.messages
    return render(
        request,
        "followup/import.html",
        {"synthesis": synthesis, "form": form, "result": result, "errors": errors},
    )


def _followup_pdf(request, synthesis, *, cache_key, filename, appendix=False):
    return cached_or_rendered(
        request,
        cache_key=cache_key,
        task=tasks.render_followup_pdf,
        filename=filename,
        synthesis=synthesis,
        synthesis_id=synthesis.pk,
        appendix=appendix,
    )


@followup_view()
def pdf(request, synthesis):
    key = followup_pdf.followup_key(request.user, synthesis)
    return _followup_pdf(
        request, synthesis, cache_key=key, filename=f"etat-d-avancement-{synthesis.slug}.pdf"
    )


@followup_view()
def synthesis_pdf(request, synthesis):
    """The synthesis PDF with the follow-up as its last appendix (the optional appendix)."""
    key = followup_pdf.appendix_key(request.user, synthesis)
    filename = f"{synthesis.slug}-avec-etat-d-avancement.pdf"
    return _followup_pdf(request, synthesis, cache_key=key, filename=filename, appendix=True)
