"""`typo`: French typography applied when a report prints a text; what is stored stays as
written (etatsgeneraux.reports.pdf.french_spacing)."""

from django import template

from etatsgeneraux.reports.pdf import french_spacing

register = template.Library()


@register.filter(is_safe=True)
def typo(value):
    """Typographic apostrophes and non-breaking spaces; adds no HTML (stays escaped)."""
    if value is None or value == "":
        return value
    return french_spacing(str(value))
