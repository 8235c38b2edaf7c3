"""The chain of a thematic section, from what went wrong to what will be done.

irritant (diagnostic) → irritant principal (projections, when it links the irritant)
→ besoins and leviers of that projection row → axe (plan d'action, when it links the lever)
→ actions and indicateurs of that action-plan row.

Links are explicit (`MainIrritant.source`, `Axis.source`); everything else follows the rows.
`build` also lists what breaks the chain: irritants no main irritant links ("sans suite"),
main irritants typed without a link, levers no axis takes up, and axes without a lever
(with their actions: they have no origin in the workshop's diagnosis).
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from actionplans.models import Action, ActionPlanRow, Axis, Indicator
from workshops.models import DiagnosticRow, Irritant, Lever, MainIrritant, Need, ProjectionRow
from workshops.text import NBSP

from . import chain_svg

PAGE_DESCRIPTION = (
    "Schéma en cinq colonnes : irritants du diagnostic, irritants principaux des projections, "
    "besoins et leviers, axes du plan d’action, actions et indicateurs ; une ligne relie "
    "chaque énoncé à ce qui le reprend, et les chaînes interrompues sont marquées « Sans "
    "suite ». Son équivalent textuel est la liste « Chaînes issues du diagnostic » et les "
    "listes qui la suivent sur cette page."
)


@dataclass
class AxisNode:
    axis: Axis
    row_number: int
    actions: list
    indicators: list


@dataclass
class LeverNode:
    lever: Lever
    axes: list = field(default_factory=list)  # [AxisNode]


@dataclass
class ProjectionNode:
    main_irritant: MainIrritant | None  # None: a projection row without main irritant
    row_number: int
    needs: list
    levers: list  # [LeverNode]


@dataclass
class IrritantNode:
    irritant: Irritant
    row_number: int
    projections: list = field(default_factory=list)  # [ProjectionNode]


@dataclass
class Trace:
    linked: list  # [IrritantNode] irritants some main irritant links, in diagnostic order
    dead_ends: list  # [IrritantNode] irritants no main irritant links
    typed: list  # [ProjectionNode] main irritants typed without a link
    without_main: list  # [ProjectionNode] projection rows with levers but no main irritant
    unused_levers: list  # [(row number, Lever)] levers no axis takes up
    orphan_axes: list  # [AxisNode] axes linked to no lever
    rows_without_axis: list  # [AxisNode with axis None] action-plan rows with no axis at all
    section: object = None  # the ThematicSection traced, when `build` traced it

    @property
    def irritant_count(self):
        return len(self.linked) + len(self.dead_ends)

    @property
    def empty(self):
        """Nothing to trace: no irritant, no main irritant, no axis, no row of actions."""
        return chain_svg.is_empty(self)

    def diagram(self):
        """The chain as an SVG picture (`chain_svg`), for the traceability page: the page's
        nested lists are its text equivalent."""
        title = "Chaîne de traçabilité"
        if self.section is not None:
            title += f"{NBSP}: {self.section.display_title}"
        return chain_svg.render(
            self,
            title=title,
            description=PAGE_DESCRIPTION,
            ident=f"chaine-{self.section.pk if self.section is not None else 0}",
        )


def _ordered(model, *related):
    queryset = model.objects.order_by("position")
    return queryset.select_related(*related) if related else queryset


def build(section):
    """The trace of a section, in a constant number of queries (one per table)."""
    trace = from_rows(*_load(section))
    trace.section = section
    return trace


def _load(section):
    diagnostic = list(
        DiagnosticRow.objects.filter(section=section)
        .order_by("position")
        .prefetch_related(Prefetch("irritants", _ordered(Irritant)))
    )
    projections = list(
        ProjectionRow.objects.filter(section=section)
        .order_by("position")
        .prefetch_related(
            Prefetch("main_irritants", _ordered(MainIrritant, "source")),
            Prefetch("needs", _ordered(Need)),
            Prefetch("levers", _ordered(Lever)),
        )
    )
    plan = list(
        ActionPlanRow.objects.filter(section=section)
        .order_by("position")
        .prefetch_related(
            Prefetch("axes", _ordered(Axis, "source")),
            Prefetch("actions", _ordered(Action)),
            Prefetch("indicators", _ordered(Indicator)),
        )
    )
    return diagnostic, projections, plan


def from_rows(diagnostic, projections, plan):
    """The trace of a section from its rows of the three stages, in order, each with its
    statements loaded (prefetched: `row.irritants.all()` and the others run no query), as
    the report loads them, or rebuilds them from a published version."""
    axes_by_lever, orphan_axes, rows_without_axis = {}, [], []
    for number, row in enumerate(plan, start=1):
        actions, indicators = list(row.actions.all()), list(row.indicators.all())
        axes = list(row.axes.all())
        if not axes and (actions or indicators):
            rows_without_axis.append(AxisNode(None, number, actions, indicators))
        for axis in axes:
            node = AxisNode(axis, number, actions, indicators)
            if axis.source_id:
                axes_by_lever.setdefault(axis.source_id, []).append(node)
            else:
                orphan_axes.append(node)

    mains_by_irritant, typed, without_main, unused_levers = {}, [], [], []
    for number, row in enumerate(projections, start=1):
        needs = list(row.needs.all())
        levers = [LeverNode(lever, axes_by_lever.get(lever.pk, [])) for lever in row.levers.all()]
        unused_levers += [(number, node.lever) for node in levers if not node.axes]
        mains = list(row.main_irritants.all())
        if not mains and (needs or levers):
            without_main.append(ProjectionNode(None, number, needs, levers))
        for main in mains:
            node = ProjectionNode(main, number, needs, levers)
            if main.source_id:
                mains_by_irritant.setdefault(main.source_id, []).append(node)
            else:
                typed.append(node)

    linked, dead_ends = [], []
    for number, row in enumerate(diagnostic, start=1):
        for irritant in row.irritants.all():
            node = IrritantNode(irritant, number, mains_by_irritant.get(irritant.pk, []))
            (linked if node.projections else dead_ends).append(node)

    return Trace(
        linked, dead_ends, typed, without_main, unused_levers, orphan_axes, rows_without_axis
    )
