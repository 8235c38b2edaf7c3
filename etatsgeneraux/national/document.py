"""What supports each national proposal, region by region: the proposal page and the national
synthesis document (HTML), each in a constant number of queries."""

import hashlib

from django.db.models import Count, Exists, Max, OuterRef
from django.template.loader import render_to_string

from actionplans.models import NationalProposal, StatementGroup, StatementTag
from etatsgeneraux.reports.pdf import template_version, write_tagged_pdf
from etatsgeneraux.stages import STAGES
from workshops.models import Region, Synthesis, Thematic

from .index import kind_label
from .search import readable_entries


def _supporting(user, proposals):
    """{proposal id: [entries]} of the statements this user reads that support them."""
    tags = StatementTag.objects.filter(proposal__in=proposals)
    entries = (
        readable_entries(user)
        .filter(Exists(tags.filter(kind=OuterRef("kind"), object_id=OuterRef("object_id"))))
        .select_related("region", "department", "synthesis", "thematic")
        .order_by("region__name", "rank")
    )
    by_ref = {(entry.kind, entry.object_id): entry for entry in entries}
    support = {}
    for proposal_id, kind, object_id in tags.values_list("proposal", "kind", "object_id"):
        entry = by_ref.get((kind, object_id))
        if entry is not None:
            entry.kind_label = kind_label(entry.kind)
            support.setdefault(proposal_id, []).append(entry)
    return support


def _by_region(entries, regions):
    stages = {stage.slug: stage.label for stage in STAGES.values()}
    grouped = []
    for region in regions:
        own = [entry for entry in entries if entry.region_id == region.pk]
        if own:
            by_stage = {}
            for entry in own:
                by_stage.setdefault(stages.get(entry.stage, "Toute la synthèse"), []).append(entry)
            grouped.append((region, len(own), list(by_stage.items())))
    return grouped


def proposal_support(proposal, user):
    regions = list(Region.objects.order_by("name"))
    entries = _supporting(user, [proposal]).get(proposal.pk, [])
    grouped = _by_region(entries, regions)
    said = {region.pk for region, _, _ in grouped}
    return {
        "total": len(entries),
        "by_region": grouped,
        "silent_regions": [region for region in regions if region.pk not in said],
    }


def document(user):
    """Per axis (thematic): each proposal with its support per region, and the confirmed
    groups tied to no proposal."""
    regions = list(Region.objects.order_by("name"))
    proposals = list(NationalProposal.objects.exclude(status=NationalProposal.Status.WITHDRAWN))
    support = _supporting(user, proposals)
    groups = list(StatementGroup.objects.filter(proposal__isnull=True).prefetch_related("members"))
    axes = []
    for thematic in Thematic.objects.all():
        items = []
        for proposal in proposals:
            if proposal.thematic_id == thematic.pk:
                entries = support.get(proposal.pk, [])
                items.append((proposal, len(entries), _by_region(entries, regions)))
        axes.append(
            (thematic, items, [group for group in groups if group.thematic_id == thematic.pk])
        )
    return {"axes": axes}


def document_key(user):
    """The national PDF's cache key: who reads it (the statements they may read), the
    templates, and the state of the proposals, tags, groups and syntheses it shows."""
    state = [
        NationalProposal.objects.aggregate(n=Count("pk"), last=Max("updated_at")),
        StatementTag.objects.aggregate(n=Count("pk"), last=Max("tagged_at"), top=Max("pk")),
        StatementGroup.objects.aggregate(
            n=Count("pk"), last=Max("confirmed_at"), members=Count("members")
        ),
        Synthesis.objects.aggregate(n=Count("pk"), last=Max("updated_at")),
    ]
    text = f"{user.pk}|{template_version()}|{state}"
    return "national:pdf:" + hashlib.sha256(text.encode()).hexdigest()


def render_pdf(user):
    """The national synthesis as a tagged PDF, in the reports' house style."""
    context = document(user) | {"for_pdf": True, "user": user}
    return write_tagged_pdf(render_to_string("national/document.html", context))[0]
