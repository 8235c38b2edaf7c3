"""Filters of the follow-up pages: bars, percentages and numbers written the French way."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from workshops.text import NBSP

from .. import charts

register = template.Library()


@register.filter
def fu_bar(progress):
    return charts.bar(progress)


@register.filter
def percent(value):
    """« 42 % », or « non calculé » for a level with nothing counted."""
    if value is None:
        return "non calculé"
    return f"{value}{NBSP}%"


@register.filter
def fu_number(value):
    """12,5 (French decimal comma, no trailing zeros); empty for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral():
            value = value.quantize(Decimal(1))
    return number_format(value, use_l10n=True, force_grouping=True)
