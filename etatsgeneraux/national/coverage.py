"""How far every academic region got: its syntheses, counts per thematic and stage, status and
last change; and the map of the 18 academic regions that shows it (simplified shapes drawn
for the project from approximate coordinates, no map data downloaded)."""

import math
from dataclasses import dataclass, field

from django.db.models import Count

from actionplans.models import IndexedStatement
from etatsgeneraux.stages import STAGES
from workshops.models import Region, Synthesis, Thematic
from workshops.permissions import readable_syntheses

# Approximate borders, (longitude, latitude), shared points named once so that neighbours meet.
P = {
    "A": (1.6, 50.95), "B": (2.55, 51.08), "C": (4.2, 49.95), "D": (3.5, 49.0),
    "E": (1.7, 49.2), "F": (1.4, 50.05), "G": (1.5, 48.6), "H": (0.8, 48.3),
    "I": (-1.1, 48.5), "J": (-1.55, 48.63), "M": (3.4, 48.4), "N": (2.9, 48.15),
    "O": (1.9, 48.3), "P": (7.6, 47.6), "Q": (6.1, 46.5), "R": (3.0, 46.7),
    "S": (4.8, 46.3), "T": (2.2, 46.4), "U": (0.1, 47.1), "V": (-1.2, 46.3),
    "W": (-2.4, 47.4), "X": (-1.2, 47.7), "Y": (2.1, 44.95), "Z": (0.6, 44.2),
    "AA": (0.0, 43.35), "AB": (-0.3, 42.85), "AC": (4.7, 44.3), "AD": (3.9, 44.85),
    "AE": (4.6, 43.45), "AF": (6.9, 45.0), "BF1": (4.9, 47.8), "BF2": (5.9, 47.8),
    "BF3": (2.9, 47.3),
    "K1": (-1.9, 49.7),
    "K2": (-1.2, 49.4),
    "K3": (0.2, 49.45),
    "K4": (1.0, 49.9),
    "NA1": (-1.8, 43.35),
    "NA2": (-1.25, 44.6),
    "NA3": (-1.2, 45.6),
    "AR1": (6.8, 46.4),
    "AR2": (7.0, 45.9),
    "AR3": (7.1, 45.2),
    "AG": (5.5, 44.5),
    "PA1": (7.0, 44.2),
    "PA2": (7.5, 43.8),
    "PA3": (6.6, 43.15),
    "PA4": (5.4, 43.2),
}  # fmt: skip
SHAPES = {
    "hauts-de-france": ["A", "B", "C", "D", "E", "F"],
    "normandie": ["F", "E", "G", "H", "I", "J", "K1", "K2", "K3", "K4"],
    "ile-de-france": ["E", "D", "M", "N", "O", "G"],
    "grand-est": ["C", (5.8, 49.55), (8.2, 49.0), "P", "BF2", "BF1", "M", "D"],
    "bourgogne-franche-comte": ["M", "BF1", "BF2", "P", (6.9, 47.4), "Q", "S", "R", "BF3", "N"],
    "centre-val-de-loire": ["G", "O", "N", "BF3", "R", "T", "U", "H"],
    "pays-de-la-loire": ["H", "U", "V", (-2.1, 46.8), "W", "X", "I"],
    "bretagne": ["J", "I", "X", "W", (-4.4, 47.8), (-4.8, 48.4), (-3.5, 48.85), (-2.3, 48.65)],
    "nouvelle-aquitaine": ["U", "T", "Y", "Z", "AA", "AB", "NA1", "NA2", "NA3", "V"],
    "occitanie": ["Y", "AD", "AC", "AE", (3.1, 43.1), (3.15, 42.45), (1.7, 42.5), "AB", "AA", "Z"],
    "auvergne-rhone-alpes": ["T", "R", "S", "Q", "AR1", "AR2", "AR3", "AF", "AG", "AC", "AD", "Y"],
    "provence-alpes-cote-d-azur": ["AF", "PA1", "PA2", "PA3", "PA4", "AE", "AC", "AG"],
    "corse": [(9.4, 43.0), (9.55, 42.1), (9.2, 41.4), (8.6, 41.9), (8.7, 42.6)],
}  # fmt: skip
# Overseas regions: insets below the mainland, each an ellipse in its own box.
OVERSEAS = ["guadeloupe", "martinique", "guyane", "la-reunion", "mayotte"]
SCALE, WIDTH = 60, 620


def _xy(point):
    lon, lat = P[point] if isinstance(point, str) else point
    return (lon + 5.2) * math.cos(math.radians(46.5)) * SCALE + 5, (51.2 - lat) * SCALE + 5


def _path(points):
    coords = [_xy(point) for point in points]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + " Z"


def _centre(points):
    coords = [_xy(point) for point in points]
    return sum(x for x, _ in coords) / len(coords), sum(y for _, y in coords) / len(coords)


@dataclass
class RegionCoverage:
    region: Region
    syntheses: list = field(default_factory=list)
    # {synthesis id: {thematic number: {stage slug: count}}}
    counts: dict = field(default_factory=dict)
    level: int = 0  # thematics of the regional synthesis with all three stages filled
    shape: str = ""
    label_xy: tuple = (0, 0)
    inset: tuple = None  # overseas: (x, y) of its box

    @property
    def last_change(self):
        return max((s.updated_at for s in self.syntheses), default=None)


def coverage(user):
    """The 18 regions with what this user may read of them, in a constant number of queries."""
    thematics = list(Thematic.objects.all())
    syntheses = list(readable_syntheses(user).filter(archived_at__isnull=True))
    readable = [s.pk for s in syntheses]
    rows = (
        IndexedStatement.objects.filter(synthesis__in=readable, thematic__isnull=False)
        .values_list("synthesis", "thematic__number", "stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {}
    for synthesis_id, number, stage, n in rows:
        counts.setdefault(synthesis_id, {}).setdefault(number, {})[stage] = n
    regions = []
    for position, region in enumerate(Region.objects.order_by("name")):
        item = RegionCoverage(region)
        item.syntheses = sorted(
            (s for s in syntheses if s.region_id == region.pk),
            key=lambda s: (s.department_id is not None, s.department.code if s.department else ""),
        )
        for synthesis in item.syntheses:
            synthesis.coverage = [
                (
                    thematic,
                    [
                        counts.get(synthesis.pk, {}).get(thematic.number, {}).get(s, 0)
                        for s in STAGES
                    ],
                )
                for thematic in thematics
            ]
            if synthesis.department_id is None:
                item.level = max(
                    item.level,
                    sum(all(stage_counts) for _, stage_counts in synthesis.coverage),
                )
        if region.code in SHAPES:
            item.shape = _path(SHAPES[region.code])
            item.label_xy = _centre(SHAPES[region.code])
        elif region.code in OVERSEAS:
            item.inset = (10 + 72 * OVERSEAS.index(region.code), 610)
        else:
            item.inset = (10 + 72 * (len(OVERSEAS) + position % 3), 610)
        regions.append(item)
    return {
        "regions": regions,
        "thematics": thematics,
        "stages": list(STAGES.values()),
        "statuses": dict(Synthesis.Status.choices),
    }
