"""Server-rendered SVG: progress bars and indicator charts, for the page and the PDF alike.

Each chart is built as one string (numbers formatted here, text escaped once), not with a
template per point: a year of weekly measurements is one `<polyline>`. No script, no style
attribute (the CSP forbids them): classes only, coloured by static/css/followup.css. A
chart is never alone: the page and the PDF put its data table beside it or one click away,
and the figures it shows are written next to it.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 320, 120
BAR_SIZE = 'width="128" height="12"'
# Colours as SVG attributes (WeasyPrint does not apply the page's stylesheet inside an SVG).
BLUE, RED, GREY, TEXT = "#000091", "#c9191e", "#666666", "#3a3a3a"
LABEL = f'font-size="11" fill="{TEXT}" font-family="Marianne, Arial, sans-serif"'
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 8, 8, 10, 18


def bar(progress):
    """A progress bar (decorative: the figure is written beside it)."""
    if progress is None:
        return mark_safe(
            f'<svg class="fu-bar" {BAR_SIZE} viewBox="0 0 100 6" preserveAspectRatio="none" '
            'aria-hidden="true" focusable="false"><rect width="100" height="6" fill="#f6f6f6" '
            'stroke="#929292" stroke-width="0.4" stroke-dasharray="2 1"/></svg>'
        )
    width = max(0, min(100, progress))
    return mark_safe(
        f'<svg class="fu-bar" {BAR_SIZE} viewBox="0 0 100 6" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false"><rect width="100" height="6" fill="#dddddd"/>'
        f'<rect width="{width}" height="6" fill="{BLUE}"/></svg>'
    )


def _number(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def indicator_chart(indicator, *, chart_id):
    """The measurements of an indicator against its initial value and target, or None when
    there is nothing to draw (qualitative, or no value at all)."""
    if indicator.qualitative:
        return None
    points = [
        (date, float(value)) for date, value, _note in indicator.measurements if value is not None
    ]
    if indicator.initial_value is not None and indicator.initial_date is not None:
        points.insert(0, (indicator.initial_date, float(indicator.initial_value)))
    if not points:
        return None
    target = float(indicator.target_value) if indicator.target_value is not None else None
    dates = [date for date, _ in points]
    if indicator.target_date is not None:
        dates.append(indicator.target_date)
    values = [value for _, value in points] + ([target] if target is not None else [])
    first, last = min(dates).toordinal(), max(dates).toordinal()
    low, high = min(values), max(values)
    if high == low:
        high, low = high + 1, low - 1
    span_x = max(last - first, 1)
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(date):
        return PAD_LEFT + (date.toordinal() - first) * inner_w / span_x

    def y(value):
        return PAD_TOP + (high - value) * inner_h / (high - low)

    parts = [
        f'<svg class="fu-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t" width="{WIDTH}" height="{HEIGHT}">',
        f'<title id="{chart_id}-t">{escape(_summary(indicator))}</title>',
        f'<line stroke="{GREY}" x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" '
        f'x2="{WIDTH - PAD_RIGHT}" y2="{HEIGHT - PAD_BOTTOM}"/>',
    ]
    if target is not None:
        ty = f"{y(target):.1f}"
        parts.append(
            f'<line stroke="{RED}" stroke-width="1.5" stroke-dasharray="6 4" x1="{PAD_LEFT}" '
            f'y1="{ty}" x2="{WIDTH - PAD_RIGHT}" '
            f'y2="{ty}"/><text {LABEL} x="{WIDTH - PAD_RIGHT}" '
            f'y="{float(ty) - 3:.1f}" text-anchor="end">cible {escape(_number(target))}</text>'
        )
    coordinates = " ".join(f"{x(date):.1f},{y(value):.1f}" for date, value in points)
    parts.append(
        f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" stroke-linejoin="round" '
        f'points="{coordinates}"/>'
    )
    last_date, last_value = points[-1]
    parts.append(f'<circle fill="{BLUE}" cx="{x(last_date):.1f}" cy="{y(last_value):.1f}" r="3"/>')
    parts.append(
        f'<text {LABEL} x="{PAD_LEFT}" y="{HEIGHT - 4}">'
        f"{min(dates):%m/%Y}</text>"
        f'<text {LABEL} x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 4}" '
        f'text-anchor="end">{max(dates):%m/%Y}</text></svg>'
    )
    return mark_safe("".join(parts))


def _summary(indicator):
    """What the chart shows, in words (its accessible name)."""
    unit = f" {indicator.unit}" if indicator.unit else ""
    parts = [f"Évolution de l’indicateur «\u00a0{indicator.text}\u00a0»"]
    if indicator.initial_value is not None:
        parts.append(f"valeur initiale {_number(indicator.initial_value)}{unit}")
    if indicator.current_value is not None:
        parts.append(f"dernière mesure {_number(indicator.current_value)}{unit}")
    if indicator.target_value is not None:
        parts.append(f"cible {_number(indicator.target_value)}{unit}")
    return ", ".join(parts) + " (données dans le tableau associé)"
