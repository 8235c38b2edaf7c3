"""The national pages: coverage, search across regions, national proposals and their tags,
the national synthesis document."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from actionplans.models import (
    GroupMember,
    IndexedStatement,
    NationalProposal,
    StatementGroup,
    StatementTag,
)
from etatsgeneraux.reports.rendering import cached_or_rendered
from workshops.permissions import is_national_team, national_team_required

from . import coverage, tasks, words
from . import document as national_document
from .forms import ProposalForm
from .index import CELLS, kind_label
from .search import Search, readable_entries

MAX_TAGGED_AT_ONCE = 2000


def links(entry):
    """Where a result is read: its place on the board and on the synthesis page."""
    page = reverse("syntheses:detail", args=[entry.synthesis.slug])
    if entry.thematic_id is None:
        return None, page
    board = reverse("board:page", args=[entry.synthesis.slug, entry.thematic.number])
    anchor = f"#{entry.kind}-{entry.object_id}" if entry.kind in CELLS else ""
    return board + anchor, f"{page}#thematique-{entry.thematic.number}"


@require_safe
@login_required
def coverage_page(request):
    context = coverage.coverage(request.user)
    context["curates"] = is_national_team(request.user)
    return render(request, "national/coverage.html", context)


@require_safe
@login_required
def search_page(request):
    search = Search(request.GET, request.user)
    ids, facets = search.compute()
    page = Paginator(ids, 50).get_page(request.GET.get("page"))
    page.entries = search.entries_of_page(list(page.object_list))
    keys = search.keys
    from .words import highlight

    for entry in page.entries:
        entry.highlighted = highlight(entry.text, keys)
        entry.kind_label = kind_label(entry.kind)
        entry.board_url, entry.page_url = links(entry)
    query = request.GET.copy()
    query.pop("page", None)
    curates = is_national_team(request.user)
    context = {
        "search": search,
        "facets": facets,
        "page": page,
        "query_string": query.urlencode(),
        "curates": curates,
        "proposals": NationalProposal.objects.all() if curates else [],
    }
    return render(request, "national/search.html", context)


def _safe_cell(value):
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Echo:
    def write(self, value):
        return value


@require_safe
@login_required
def search_csv(request):
    search = Search(request.GET, request.user)
    writer = csv.writer(_Echo())
    header = ["région", "département", "synthèse", "thématique", "étape", "colonne"]
    header += ["mis en avant", "texte", "adresse"]

    def rows():
        yield writer.writerow(header)
        entries = search.results().iterator(chunk_size=2000)
        for entry in entries:
            board, page = links(entry)
            yield writer.writerow(
                _safe_cell(value)
                for value in (
                    entry.region.name,
                    str(entry.department or ""),
                    entry.synthesis.title,
                    entry.thematic.number if entry.thematic_id else "",
                    entry.stage,
                    kind_label(entry.kind),
                    "oui" if entry.emphasised else "non",
                    entry.text,
                    request.build_absolute_uri(board or page),
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recherche-nationale.csv"'
    return response


@require_POST
@national_team_required
def tag(request):
    """Ties the chosen results (or every result of the search) to a national proposal."""
    proposal = NationalProposal.objects.filter(pk=request.POST.get("proposal", "")).first()
    back = reverse("national:search") + "?" + request.POST.get("query_string", "")
    if proposal is None:
        messages.error(request, "Choisissez une proposition nationale.")
        return redirect(back)
    entries = readable_entries(request.user)
    if request.POST.get("all") == "1":
        from django.http import QueryDict

        entries = Search(QueryDict(request.POST.get("query_string", "")), request.user).entries()
    else:
        ids = [value for value in request.POST.getlist("entry") if value.isdigit()]
        entries = entries.filter(pk__in=ids)
    chosen = list(entries.values_list("kind", "object_id", "synthesis")[: MAX_TAGGED_AT_ONCE + 1])
    if not chosen:
        messages.error(request, "Cochez au moins un énoncé.")
        return redirect(back)
    if len(chosen) > MAX_TAGGED_AT_ONCE:
        messages.error(
            request,
            f"Plus de {MAX_TAGGED_AT_ONCE}\u00a0énoncés\u00a0: affinez la recherche avant de "
            "les rattacher. Rien n’a été rattaché.",
        )
        return redirect(back)
    with transaction.atomic():
        StatementTag.objects.bulk_create(
            [
                StatementTag(
                    proposal=proposal,
                    kind=kind,
                    object_id=object_id,
                    synthesis_id=synthesis,
                    tagged_by=request.user,
                )
                for kind, object_id, synthesis in chosen
            ],
            ignore_conflicts=True,
        )
    messages.success(
        request, f"{len(chosen)}\u00a0énoncé(s) rattaché(s) à la proposition {proposal.number}."
    )
    return redirect(back)


@login_required
def proposals(request):
    """The catalogue; the national team adds proposals here."""
    curates = is_national_team(request.user)
    form = ProposalForm(request.POST or None) if curates else None
    if request.method == "POST":
        if not curates:
            raise PermissionDenied("Seule l’équipe nationale ajoute des propositions.")
        if form.is_valid():
            proposal = form.save()
            messages.success(request, f"Proposition {proposal.number} ajoutée.")
            return redirect("national:proposal", number=proposal.number)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseBadRequest()
    context = {
        "proposals": NationalProposal.objects.select_related("thematic"),
        "form": form,
        "curates": curates,
    }
    return render(request, "national/proposals.html", context)


@require_safe
@login_required
def proposal_detail(request, number):
    proposal = get_object_or_404(NationalProposal.objects.select_related("thematic"), number=number)
    context = national_document.proposal_support(proposal, request.user)
    context["proposal"] = proposal
    return render(request, "national/proposal.html", context)


@require_safe
@login_required
def document(request):
    return render(request, "national/document.html", national_document.document(request.user))


@require_safe
@login_required
def groups(request):
    """Confirmed groups, and the suggestions of a thematic waiting for a person to confirm."""
    from workshops.models import Thematic

    from . import grouping

    number = request.GET.get("thematique", "")
    suggestions = []
    if number.isdigit() and is_national_team(request.user):
        kept = grouping.kept(int(number)) or []
        entries = IndexedStatement.objects.in_bulk([pk for group in kept for pk in group])
        for group in kept[:100]:
            members = [entries[pk] for pk in group if pk in entries]
            if len(members) >= 2:
                for entry in members:
                    entry.kind_label = kind_label(entry.kind)
                suggestions.append(members)
    context = {
        "thematics": Thematic.objects.all(),
        "number": number,
        "suggestions": suggestions,
        "confirmed": StatementGroup.objects.select_related("thematic", "proposal").annotate(
            size=Count("members")
        ),
        "proposals": NationalProposal.objects.all(),
        "curates": is_national_team(request.user),
    }
    return render(request, "national/groups.html", context)


@require_POST
@national_team_required
def suggest(request):
    """Starts the grouping of a thematic across every region, in the background."""
    from . import grouping

    number = request.POST.get("thematique", "")
    if not number.isdigit():
        messages.error(request, "Choisissez une thématique.")
        return redirect("national:groups")
    if grouping.suggest_groups_task is None:
        messages.error(
            request,
            "Le calcul en arrière-plan n’est pas disponible sur cette installation\u00a0: "
            "lancez «\u00a0manage.py suggest_groups --thematique N\u00a0».",
        )
        return redirect("national:groups")
    from etatsgeneraux.jobs.runner import start

    job = start(
        "national-groups",
        grouping.suggest_groups_task,
        requested_by=request.user,
        number=int(number),
    )
    return redirect("jobs:detail", job.pk)


@require_POST
@national_team_required
def confirm_group(request):
    """A person confirms a suggested group: names it and may tie it to a proposal."""
    name = request.POST.get("name", "").strip()[:300]
    ids = [value for value in request.POST.getlist("entry") if value.isdigit()]
    entries = list(readable_entries(request.user).filter(pk__in=ids))
    back = reverse("national:groups") + f"?thematique={request.POST.get('thematique', '')}"
    if not name or len(entries) < 2:
        messages.error(request, "Nommez le groupe et gardez-y au moins deux énoncés.")
        return redirect(back)
    proposal = NationalProposal.objects.filter(pk=request.POST.get("proposal") or None).first()
    with transaction.atomic():
        group = StatementGroup.objects.create(
            name=name,
            thematic_id=entries[0].thematic_id,
            proposal=proposal,
            confirmed_by=request.user,
        )
        GroupMember.objects.bulk_create(
            GroupMember(
                group=group, kind=e.kind, object_id=e.object_id, synthesis_id=e.synthesis_id
            )
            for e in entries
        )
        if proposal is not None:
            StatementTag.objects.bulk_create(
                [
                    StatementTag(
                        proposal=proposal,
                        kind=e.kind,
                        object_id=e.object_id,
                        synthesis_id=e.synthesis_id,
                        tagged_by=request.user,
                    )
                    for e in entries
                ],
                ignore_conflicts=True,
            )
    messages.success(
        request, f"Groupe «\u00a0{name}\u00a0» confirmé ({len(entries)}\u00a0énoncés)."
    )
    return redirect(back)


@require_safe
@login_required
def document_pdf(request):
    """The national synthesis as a PDF, served from the cache or rendered in the background."""
    return cached_or_rendered(
        request,
        cache_key=national_document.document_key(request.user),
        task=tasks.render_national_pdf,
        filename="synthese-nationale.pdf",
    )


@require_safe
@login_required
def similar(request, pk):
    """The statements of other words closest to one statement, in every region: candidates
    share at least one word with it (bounded work), the TF-IDF score ranks them."""
    from . import similarity
    from .search import Term, matching

    entries = readable_entries(request.user)
    entry = get_object_or_404(entries.select_related("region", "thematic"), pk=pk)
    alternatives = tuple(dict.fromkeys(words.words(entry.text)))[:30]
    candidates = entries  # every thematic: a region may raise it under another one
    if alternatives:
        candidates = matching(candidates, [Term(alternatives[0], alternatives)])
    found = similarity.similar_to(entry, candidates)
    for other, _ in found:
        other.board_url, other.page_url = links(other)
    return render(request, "national/similar.html", {"entry": entry, "found": found})
