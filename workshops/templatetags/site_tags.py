"""Markup the site's pages share, written once (templates/site/), and small text helpers.

`{% dsfr_table %}` wraps a <table> in the DSFR table component (templates/site/table.html);
the page keeps what differs from one table to the next: the <table> element, its caption,
head and body.
"""

from django import template

register = template.Library()


class DsfrTableNode(template.Node):
    def __init__(self, nodelist, modifiers):
        self.nodelist = nodelist
        self.modifiers = modifiers

    def render(self, context):
        wrapper = context.template.engine.get_template("site/table.html")
        modifiers = self.modifiers.resolve(context) if self.modifiers else ""
        # The body is rendered (and escaped) by the engine: a SafeString, kept as it is.
        table = self.nodelist.render(context)
        with context.push(modifiers=modifiers, table=table):
            return wrapper.render(context)


@register.tag
def dsfr_table(parser, token):
    """{% dsfr_table "fr-table--sm fr-mt-4w" %}<table>...</table>{% enddsfr_table %}

    The optional argument: the classes added to `fr-table` (modifiers, spacing, the page's own
    class).
    """
    bits = token.split_contents()
    if len(bits) > 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes at most one argument: its classes.")
    modifiers = parser.compile_filter(bits[1]) if len(bits) == 2 else None
    nodelist = parser.parse(("enddsfr_table",))
    parser.delete_first_token()
    return DsfrTableNode(nodelist, modifiers)


@register.filter
def numbered(noun, number):
    """« ligne du diagnostic »|numbered:3 → « ligne 3 du diagnostic »: the number after the
    noun's first word."""
    word, _, rest = str(noun).partition(" ")
    return f"{word} {number} {rest}" if rest else f"{word} {number}"
