"""The chain of a thematic section as a picture: an SVG diagram rendered on the server.

Five columns, left to right: the diagnostic's irritants, the main irritants of the
projections, the needs and levers of their projection rows, the axes (Quoi) of the action
plan, and the actions and indicators of their rows. A line joins an irritant to the main
irritant that links it, a main irritant to the needs and levers of its row, a lever to the
axis that links it, an axis to the actions and indicators of its row (`traceability`).

Each connected chain is drawn in a band of its own, one under the other, so that no line
crosses another chain; the irritants that lead nowhere come last, together. Where a chain
stops before the actions, its last box is marked « Sans suite » (red, dashed); where one
starts after the diagnostic (a main irritant typed without a link, an axis without a
lever), its first box says so (orange, dotted).

Pure functions, from a `traceability.Trace` to SVG markup: no query, no template. Every text
is escaped; long statements are wrapped, and cut after `MAX_LINES` lines with the whole
statement kept as the box's <title>. Only presentation attributes, no `style` and no script
(the Content Security Policy allows neither). The picture is `role="img"`, named by its
<title> and described by its <desc>, which says where its text equivalent is: the nested
list of the traceability page, the tables of the report.
"""

import re
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

from workshops.text import NBSP

# Geometry, in SVG user units (CSS pixels at scale 1).
MARGIN = 8
COLUMN_WIDTH = 188
GAP = 42
HEADER_HEIGHT = 34
BAND_GAP = 18
BOX_GAP = 8
PADDING = 6
FONT_SIZE = 11
LINE_HEIGHT = 14
GROUP_HEADER = 18
MAX_LINES = 7
PAGE_MAX_LINES = 3  # in the PDF, whose tables hold every statement whole
WIDTH = 2 * MARGIN + 5 * COLUMN_WIDTH + 4 * GAP

COLUMNS = [
    "Irritants du diagnostic",
    "Irritants principaux",
    "Besoins et leviers",
    "Axes du plan d’action (Quoi)",
    "Actions et indicateurs",
]

# Colours of the French State's design system (DSFR), as presentation attributes.
INK = "#161616"
MUTED = "#666666"
LINE = "#929292"
LINK = "#000091"
DEAD_END = "#ce0500"
NO_ORIGIN = "#b34000"
FILLS = {
    "irritant": "#fee9e9",
    "main": "#fee9e5",
    "need": "#e3e3fd",
    "lever": "#dffee6",
    "axis": "#fef7da",
    "action": "#e8edff",
    "indicator": "#eeeeee",
    "start": "#ffffff",
}
GROUP_FILL = "#f6f6f6"

DEAD = "dead-end"
ORIGINLESS = "no-origin"


# The graph -------------------------------------------------------------------------------------


@dataclass
class Box:
    """One box of the picture: a statement, or a row that lacks one (« Sans axe »)."""

    key: tuple
    column: int
    kind: str  # irritant, main, need, lever, axis, action, indicator, start
    label: str  # the small bold first line: « Levier », « Irritant · ligne 2 »
    text: str = ""
    full: str = ""  # the whole statement, as the box's <title>
    flag: str = ""  # « Sans suite »…, in red or orange
    mark: str = ""  # DEAD or ORIGINLESS
    group: tuple | None = None  # the row group (column 2 or 4) holding the box
    lines: list = field(default_factory=list)
    flag_lines: list = field(default_factory=list)
    height: float = 0
    y: float = 0

    @property
    def x(self):
        return column_x(self.column) + (PADDING if self.group else 0)

    @property
    def width(self):
        return COLUMN_WIDTH - (2 * PADDING if self.group else 0)


@dataclass
class Group:
    """The needs and levers of one projection row, or the actions and indicators of one
    action-plan row: what every main irritant (axis) of that row leads to."""

    key: tuple
    column: int
    label: str
    number: int
    items: list = field(default_factory=list)  # box keys
    flag: str = ""
    mark: str = ""
    flag_lines: list = field(default_factory=list)
    height: float = 0
    y: float = 0

    @property
    def x(self):
        return column_x(self.column)

    @property
    def width(self):
        return COLUMN_WIDTH


@dataclass
class Graph:
    boxes: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)  # (from key, to key, explicit link?)
    order: list = field(default_factory=list)  # keys in the order the trace lists them

    def add(self, box):
        if box.key not in self.boxes:
            self.boxes[box.key] = box
            self.order.append(box.key)
        return box.key

    def link(self, source, target, explicit):
        if (source, target, explicit) not in self.edges:
            self.edges.append((source, target, explicit))


def column_x(column):
    return MARGIN + column * (COLUMN_WIDTH + GAP)


def _where(number):
    return f"ligne{NBSP}{number}"


def _graph(trace):
    """The boxes, row groups and lines of a trace."""
    graph = Graph()

    def plan_group(node):
        key = ("plan", node.row_number)
        if key not in graph.groups:
            group = Group(key, 4, f"Plan d’action, {_where(node.row_number)}", node.row_number)
            for kind, label, items in (
                ("action", "Action", node.actions),
                ("indicator", "Indicateur", node.indicators),
            ):
                for item in items:
                    group.items.append(
                        graph.add(
                            Box((kind, item.pk), 4, kind, label, item.text, item.text, group=key)
                        )
                    )
            if not group.items:
                group.flag, group.mark = "Sans suite : ni action ni indicateur", DEAD
            graph.groups[key] = group
        return key

    def axis_box(node):
        axis = node.axis
        if axis is None:
            key = graph.add(
                Box(
                    ("no-axis", node.row_number),
                    3,
                    "start",
                    f"Plan d’action, {_where(node.row_number)}",
                    flag="Sans axe",
                    mark=ORIGINLESS,
                )
            )
        else:
            shown = axis.display_text
            linked = bool(axis.source_id)
            written = axis.text if axis.text and axis.text != shown else ""
            key = graph.add(
                Box(
                    ("axis", axis.pk),
                    3,
                    "axis",
                    f"Axe (Quoi) · {_where(node.row_number)}",
                    (f"écrit «{NBSP}{written}{NBSP}»" if written else "") if linked else shown,
                    shown,
                    flag="" if linked else "Sans levier d’origine",
                    mark="" if linked else ORIGINLESS,
                )
            )
        graph.link(key, plan_group(node), False)
        return key

    def projection_group(node):
        key = ("projection", node.row_number)
        if key not in graph.groups:
            group = Group(key, 2, f"Projections, {_where(node.row_number)}", node.row_number)
            graph.groups[key] = group
            for need in node.needs:
                group.items.append(
                    graph.add(
                        Box(("need", need.pk), 2, "need", "Besoin", need.text, need.text, group=key)
                    )
                )
            for lever_node in node.levers:
                lever = lever_node.lever
                dead = not lever_node.axes
                lever_key = graph.add(
                    Box(
                        ("lever", lever.pk),
                        2,
                        "lever",
                        "Levier",
                        lever.text,
                        lever.text,
                        flag="Sans suite dans le plan d’action" if dead else "",
                        mark=DEAD if dead else "",
                        group=key,
                    )
                )
                group.items.append(lever_key)
                for axis_node in lever_node.axes:
                    graph.link(lever_key, axis_box(axis_node), True)
            if not group.items:
                group.flag, group.mark = "Sans suite : ni besoin ni levier", DEAD
        return key

    def main_box(node, *, typed):
        main = node.main_irritant
        if main is None:
            key = graph.add(
                Box(
                    ("no-main", node.row_number),
                    1,
                    "start",
                    f"Projections, {_where(node.row_number)}",
                    flag="Sans irritant principal",
                    mark=ORIGINLESS,
                )
            )
        else:
            shown = main.display_text
            written = main.text if main.text and main.text != shown else ""
            key = graph.add(
                Box(
                    ("main", main.pk),
                    1,
                    "main",
                    f"Irritant principal · {_where(node.row_number)}",
                    shown if typed else (f"écrit «{NBSP}{written}{NBSP}»" if written else ""),
                    shown,
                    flag="Sans lien au diagnostic" if typed else "",
                    mark=ORIGINLESS if typed else "",
                )
            )
        graph.link(key, projection_group(node), False)
        return key

    for node in trace.linked:
        irritant = node.irritant
        key = graph.add(
            Box(
                ("irritant", irritant.pk),
                0,
                "irritant",
                f"Irritant · {_where(node.row_number)}",
                irritant.text,
                irritant.text,
            )
        )
        for projection in node.projections:
            graph.link(key, main_box(projection, typed=False), True)
    for projection in trace.typed:
        main_box(projection, typed=True)
    for projection in trace.without_main:
        main_box(projection, typed=False)
    for axis_node in [*trace.orphan_axes, *trace.rows_without_axis]:
        axis_box(axis_node)
    for node in trace.dead_ends:
        irritant = node.irritant
        graph.add(
            Box(
                ("irritant", irritant.pk),
                0,
                "irritant",
                f"Irritant · {_where(node.row_number)}",
                irritant.text,
                irritant.text,
                flag="Sans suite",
                mark=DEAD,
            )
        )
    return graph


# Text -----------------------------------------------------------------------------------------

# XML 1.0 forbids these characters, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NARROW = set("il.,;:!|'’()[]{}fjtrI ")
_WIDE = set("mwMW@%")


def escape(text):
    """Text for an SVG element or attribute: XML-escaped, without what XML forbids."""
    text = _NOT_XML.sub("", str(text))
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _text_width(text, size=FONT_SIZE):
    """An estimate of the width of a text in Marianne (no font metrics on the server)."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 0.32
        elif char in _WIDE:
            width += 0.88
        elif char.isupper():
            width += 0.7
        else:
            width += 0.59
    return width * size


def wrap(text, width, max_lines=MAX_LINES, size=FONT_SIZE):
    """The lines of a text wrapped to `width`, the last one ending with « … » if cut."""
    lines = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split():
            while _text_width(word, size) > width:  # a word longer than the box
                cut = len(word)
                while cut > 1 and _text_width(word[:cut] + "-", size) > width:
                    cut -= 1
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut] + "-")
                word = word[cut:]
            candidate = f"{line} {word}" if line else word
            if _text_width(candidate, size) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _text_width(last + " …", size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + " …"]
    return lines


# Layout -----------------------------------------------------------------------------------------


def _flag_lines(item, width):
    """The marker of a dead end (✕) or of a chain without origin (○), wrapped."""
    if not item.flag:
        return []
    return wrap(("✕ " if item.mark == DEAD else "○ ") + item.flag, width)


def _measure(graph, max_lines=MAX_LINES):
    for box in graph.boxes.values():
        inner = box.width - 2 * PADDING
        box.lines = wrap(box.text, inner, max_lines) if box.text else []
        box.flag_lines = _flag_lines(box, inner)
        rows = 1 + len(box.lines) + len(box.flag_lines)
        box.height = 2 * PADDING + rows * LINE_HEIGHT
    for group in graph.groups.values():
        inner = [graph.boxes[key] for key in group.items]
        group.flag_lines = _flag_lines(group, COLUMN_WIDTH - 2 * PADDING)
        group.height = (
            GROUP_HEADER
            + len(group.flag_lines) * LINE_HEIGHT
            + sum(box.height + PADDING for box in inner)
            + PADDING
        )


def _bands(graph):
    """The connected chains, each a list of keys (boxes and groups), in the trace's order;
    the irritants that lead nowhere last, together."""
    parent = {}

    def find(key):
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(first, second):
        parent[find(first)] = find(second)

    for key in [*graph.boxes, *graph.groups]:
        find(key)
    for source, target, _ in graph.edges:
        union(source, target)
    for group in graph.groups.values():
        for key in group.items:
            union(key, group.key)
    bands, dead = {}, []
    for key in graph.order:
        box = graph.boxes[key]
        if box.kind == "irritant" and box.mark == DEAD:
            dead.append(key)
            continue
        bands.setdefault(find(key), [])
    members = {}
    for key in [*graph.boxes, *graph.groups]:
        members.setdefault(find(key), []).append(key)
    return [members[root] for root in bands], dead


def _place_grid(graph, keys):
    """The irritants that lead nowhere, in a grid over the five columns (nothing joins them:
    they need no column of their own), under a caption; returns the band's height."""
    top = LINE_HEIGHT + 4
    for start in range(0, len(keys), len(COLUMNS)):
        row = [graph.boxes[key] for key in keys[start : start + len(COLUMNS)]]
        for column, box in enumerate(row):
            box.column, box.y = column, top
        top += max(box.height for box in row) + BOX_GAP
    return top - BOX_GAP


def _place_band(graph, keys, top):
    """Places a band's boxes and groups from `top`; returns the band's height.

    The projection rows (column 2) are stacked first; every other box goes as high as the
    box it comes from, never above the previous box of its column.
    """
    boxes = [graph.boxes[key] for key in keys if key in graph.boxes]
    groups = [graph.groups[key] for key in keys if key in graph.groups]
    incoming, outgoing = {}, {}
    for source, target, _ in graph.edges:
        outgoing.setdefault(source, []).append(target)
        incoming.setdefault(target, []).append(source)
    cursor = dict.fromkeys(range(5), top)
    placed = {}

    def put(item, desired):
        item.y = max(cursor[item.column], desired)
        cursor[item.column] = item.y + item.height + BOX_GAP
        placed[item.key] = item.y
        if isinstance(item, Group):
            inner = item.y + GROUP_HEADER + LINE_HEIGHT * len(item.flag_lines)
            for key in item.items:
                box = graph.boxes[key]
                box.y = inner
                placed[key] = inner
                inner += box.height + PADDING

    def anchor(key, sources):
        ys = [placed[source] for source in sources.get(key, []) if source in placed]
        return min(ys) if ys else top

    # Column 2 first: the projection rows, in their order; then the main irritants beside
    # their rows, the irritants beside their main irritants.
    for group in sorted((g for g in groups if g.column == 2), key=lambda g: g.number):
        put(group, top)
    mains = [box for box in boxes if box.column == 1]
    for box in sorted(mains, key=lambda box: anchor(box.key, outgoing)):
        put(box, anchor(box.key, outgoing))
    irritants = [box for box in boxes if box.column == 0]
    for box in sorted(irritants, key=lambda box: anchor(box.key, outgoing)):
        put(box, anchor(box.key, outgoing) if box.key in outgoing else top)
    axes = [box for box in boxes if box.column == 3]
    for box in sorted(axes, key=lambda box: (box.key not in incoming, anchor(box.key, incoming))):
        put(box, anchor(box.key, incoming))
    plans = [group for group in groups if group.column == 4]
    for group in sorted(plans, key=lambda group: anchor(group.key, incoming)):
        put(group, anchor(group.key, incoming))
    return max(cursor.values()) - BOX_GAP - top


# Drawing ----------------------------------------------------------------------------------------


def _attributes(**values):
    return " ".join(f'{name.replace("_", "-")}="{escape(value)}"' for name, value in values.items())


def _text_lines(x, y, lines, *, weight="normal", fill=INK):
    if not lines:
        return ""
    spans = "".join(
        f'<tspan x="{x:g}" y="{y + index * LINE_HEIGHT:g}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text font-weight="{weight}" fill="{fill}">{spans}</text>'


def _mark_attributes(mark):
    if mark == DEAD:
        return {"stroke": DEAD_END, "stroke_width": 2, "stroke_dasharray": "5 3"}
    if mark == ORIGINLESS:
        return {"stroke": NO_ORIGIN, "stroke_width": 1.5, "stroke_dasharray": "2 2"}
    return {"stroke": LINE, "stroke_width": 1}


def _box(box):
    classes = f"chain-node chain-node--{box.kind}" + (
        f" chain-node--{box.mark}" if box.mark else ""
    )
    parts = [f'<g class="{classes}" data-kind="{box.kind}">']
    if box.full:
        parts.append(f"<title>{escape(box.full)}</title>")
    parts.append(
        f'<rect x="{box.x:g}" y="{box.y:g}" width="{box.width:g}" height="{box.height:g}" '
        f'rx="3" fill="{FILLS[box.kind]}" {_attributes(**_mark_attributes(box.mark))}/>'
    )
    y = box.y + PADDING + FONT_SIZE
    parts.append(_text_lines(box.x + PADDING, y, [box.label], weight="bold", fill=MUTED))
    y += LINE_HEIGHT
    parts.append(_text_lines(box.x + PADDING, y, box.lines))
    y += LINE_HEIGHT * len(box.lines)
    if box.flag_lines:
        colour = DEAD_END if box.mark == DEAD else NO_ORIGIN
        parts.append(_text_lines(box.x + PADDING, y, box.flag_lines, weight="bold", fill=colour))
    parts.append("</g>")
    return "".join(parts)


def _group(group):
    classes = "chain-group" + (f" chain-node--{group.mark}" if group.mark else "")
    parts = [
        f'<g class="{classes}" data-kind="row">',
        f'<rect x="{group.x:g}" y="{group.y:g}" width="{group.width:g}" '
        f'height="{group.height:g}" rx="4" fill="{GROUP_FILL}" '
        f"{_attributes(**_mark_attributes(group.mark))}/>",
        _text_lines(group.x + PADDING, group.y + 13, [group.label], weight="bold", fill=MUTED),
    ]
    if group.flag_lines:
        y = group.y + 13 + LINE_HEIGHT
        parts.append(
            _text_lines(group.x + PADDING, y, group.flag_lines, weight="bold", fill=DEAD_END)
        )
    parts.append("</g>")
    return "".join(parts)


def _edge(graph, source, target, explicit, ident):
    start = graph.boxes[source]
    end = graph.boxes.get(target) or graph.groups[target]
    x1, y1 = start.x + start.width, start.y + min(start.height / 2, 16)
    x2 = end.x
    y2 = end.y + (GROUP_HEADER / 2 if isinstance(end, Group) else min(end.height / 2, 16))
    bend = (x2 - x1) / 2
    colour = LINK if explicit else LINE
    return (
        f'<path d="M{x1:g},{y1:g} C{x1 + bend:g},{y1:g} {x2 - bend:g},{y2:g} {x2 - 4:g},{y2:g}" '
        f'fill="none" stroke="{colour}" stroke-width="{1.4 if explicit else 1}" '
        f'marker-end="url(#{ident}-{"link" if explicit else "row"})"/>'
    )


def _header(ident):
    parts = [
        "<defs>",
        *(
            f'<marker id="{ident}-{name}" viewBox="0 0 8 8" refX="4" refY="4" markerWidth="7" '
            f'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="{colour}"/>'
            "</marker>"
            for name, colour in (("link", LINK), ("row", LINE))
        ),
        "</defs>",
    ]
    for column, title in enumerate(COLUMNS):
        lines = wrap(title, COLUMN_WIDTH, max_lines=2, size=FONT_SIZE + 1)
        parts.append(
            f'<text font-weight="bold" font-size="{FONT_SIZE + 1}" fill="{INK}">'
            + "".join(
                f'<tspan x="{column_x(column):g}" y="{14 + index * LINE_HEIGHT:g}">'
                f"{escape(line)}</tspan>"
                for index, line in enumerate(lines)
            )
            + "</text>"
        )
    parts.append(
        f'<line x1="{MARGIN}" y1="{HEADER_HEIGHT - 3}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEADER_HEIGHT - 3}" stroke="{LINE}" stroke-width="1"/>'
    )
    return "".join(parts)


@dataclass
class _Band:
    keys: list
    height: float
    caption: str = ""  # drawn at the top of the band


def _slice(graph, band, y_from, y_to, top, ident, index):
    """One band, or the part of it between `y_from` and `y_to`, drawn from `top` down.

    A part holds the boxes between its bounds (a cut never crosses a box), the row groups
    and the lines that reach into it, clipped to its bounds.
    """
    whole = y_from <= 0 and y_to >= band.height

    def within(item):
        return whole or (item.y < y_to and item.y + item.height > y_from)

    def reaches(source, target):
        ends = [graph.boxes[source], graph.boxes.get(target) or graph.groups[target]]
        return whole or any(within(end) for end in ends)

    members = set(band.keys)
    content = [
        _edge(graph, *edge, ident)
        for edge in graph.edges
        if edge[0] in members and reaches(edge[0], edge[1])
    ]
    content += [
        _group(graph.groups[key])
        for key in band.keys
        if key in graph.groups and within(graph.groups[key])
    ]
    content += [
        _box(graph.boxes[key])
        for key in band.keys
        if key in graph.boxes and within(graph.boxes[key])
    ]
    if band.caption and y_from <= 0:
        content.insert(0, _text_lines(MARGIN, FONT_SIZE, [band.caption], weight="bold", fill=INK))
    shift = top - y_from
    if whole:
        return f'<g transform="translate(0 {shift:g})">{"".join(content)}</g>'
    clip = f"{ident}-part-{index}"
    parts = [
        f'<clipPath id="{clip}"><rect x="0" y="{y_from:g}" width="{WIDTH}" '
        f'height="{y_to - y_from:g}"/></clipPath>',
        f'<g transform="translate(0 {shift:g})" clip-path="url(#{clip})">{"".join(content)}</g>',
    ]
    # Where the chain goes on (the PDF's next picture) or comes from.
    if y_from > 0:
        parts.append(_note(top - 2, "↑ suite de la chaîne précédente"))
    if y_to < band.height:
        parts.append(_note(top + y_to - y_from + 10, "↓ la chaîne continue ci-après"))
    return "".join(parts)


def _note(y, text):
    return (
        f'<text x="{WIDTH - MARGIN:g}" y="{y:g}" text-anchor="end" font-size="{FONT_SIZE - 1}" '
        f'font-style="italic" fill="{MUTED}">{escape(text)}</text>'
    )


def _svg(graph, slices, *, ident, title, description):
    """One <svg> holding these bands or parts of bands ([(band, from, to)]), under the column
    titles."""
    parts, top = [], HEADER_HEIGHT + 6
    for index, (band, y_from, y_to) in enumerate(slices):
        if y_from > 0:
            top += LINE_HEIGHT  # room for « ↑ suite »
        if index:
            parts.append(
                f'<line x1="{MARGIN}" y1="{top - BAND_GAP / 2:g}" x2="{WIDTH - MARGIN}" '
                f'y2="{top - BAND_GAP / 2:g}" stroke="#dddddd" stroke-width="1"/>'
            )
        parts.append(_slice(graph, band, y_from, y_to, top, ident, index))
        top += y_to - y_from + BAND_GAP
        if y_to < band.height:
            top += LINE_HEIGHT  # room for « ↓ la chaîne continue »
    height = top - BAND_GAP + MARGIN
    # Every text above went through escape().
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-diagram" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="100%" preserveAspectRatio="xMidYMin meet" '
        f'font-family="Marianne, Arial, sans-serif" font-size="{FONT_SIZE}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        f"{_header(ident)}{''.join(parts)}</svg>"
    )


def _laid_out(trace, max_lines=MAX_LINES):
    graph = _graph(trace)
    _measure(graph, max_lines)
    chains, dead = _bands(graph)
    bands = [_Band(keys, _place_band(graph, keys, 0)) for keys in chains]
    if dead:
        caption = (
            "Irritants du diagnostic restés sans suite (aucun irritant principal ne les reprend)"
        )
        bands.append(_Band(dead, _place_grid(graph, dead), caption))
    return graph, bands


def _cut(graph, band, start, room):
    """The lowest place, at most `room` below `start`, where the band may be cut: between two
    boxes (it may cross a row's background and the lines, never a statement); None if the
    first box below `start` is taller than `room`."""
    boxes = [graph.boxes[key] for key in band.keys if key in graph.boxes]
    limit = start + room
    if band.height <= limit:
        return band.height
    candidates = [
        box.y + box.height + PADDING / 2
        for box in boxes
        if start < box.y + box.height + PADDING / 2 <= limit
    ]
    safe = [y for y in candidates if not any(box.y < y < box.y + box.height for box in boxes)]
    return max(safe) if safe else None


def is_empty(trace):
    return not (
        trace.linked
        or trace.dead_ends
        or trace.typed
        or trace.without_main
        or trace.orphan_axes
        or trace.rows_without_axis
    )


def render(trace, *, title, description, ident="chaine"):
    """The whole chain of a section as one SVG (the traceability page), or "" if empty.

    `ident` prefixes the ids inside the picture: unique in the page.
    """
    if is_empty(trace):
        return ""
    graph, bands = _laid_out(trace)
    slices = [(band, 0, band.height) for band in bands]
    return _svg(graph, slices, ident=ident, title=title, description=description)


def render_pages(
    trace,
    *,
    title,
    description,
    ident="chaine",
    max_height=700,
    first_height=None,
    max_lines=PAGE_MAX_LINES,
):
    """The chain as SVGs no taller than `max_height` each (a PDF's pages; `first_height` for
    the first one, under a heading): the chains one after the other, filling each page, a
    chain cut between two of its boxes where a page ends (« la chaîne continue »).
    Statements are cut shorter (`max_lines`): the report prints them whole in its tables."""
    if is_empty(trace):
        return []
    graph, bands = _laid_out(trace, max_lines)

    def room_of(height):
        return height - HEADER_HEIGHT - 6 - MARGIN - 2 * LINE_HEIGHT

    room = room_of(first_height or max_height)
    pages, current, used = [], [], 0

    def new_page():
        nonlocal current, used, room
        pages.append(current)
        current, used, room = [], 0, room_of(max_height)

    for band in bands:
        start = 0
        while start < band.height:
            gap = BAND_GAP if current else 0
            left = room - used - gap
            rest = band.height - start
            if rest <= left:
                current.append((band, start, band.height))
                used += gap + rest
                break
            if current and left < room / 4:
                new_page()  # too little room left: the next picture starts a page
                continue
            end = _cut(graph, band, start, left)
            if end is None and current:
                new_page()
                continue
            end = end or min(start + left, band.height)  # a box taller than a page
            current.append((band, start, end))
            used += gap + end - start
            start = end
            if start < band.height:
                new_page()
    if current:
        pages.append(current)
    return [
        _svg(
            graph,
            slices,
            ident=f"{ident}-{number}",
            title=title + (f" ({number}/{len(pages)})" if len(pages) > 1 else ""),
            description=description,
        )
        for number, slices in enumerate(pages, start=1)
    ]
