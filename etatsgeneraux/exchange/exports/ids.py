"""Stable identifiers of what an export holds, the same in every format.

An identifier is the place of a thing in its synthesis, as the national template gives it,
never a database id (which a re-import or a restoration changes):

    pays-de-la-loire-2020                                     a synthesis (its slug)
    pays-de-la-loire-2020/5                                   its section of national thematic 5
    pays-de-la-loire-2020/5/plan-action/2                     the 2nd row of its action plan
    pays-de-la-loire-2020/5/plan-action/2/temporalites/1      the 1st statement of its « Quand »
    pays-de-la-loire-2020/retex/5/2                           RETEX sheet 2 of that section
    pays-de-la-loire-2020/retex/commune/1                     shared RETEX sheet 1
    pays-de-la-loire-2020/introduction/1                      the first session of the introduction
    pays-de-la-loire-2020/propositions/1                      the first flagship proposal

Thematics go by their national number (a synthesis treats each at most once), stages and
columns by their URL names (etatsgeneraux.stages), rows and statements by their positions as
stored. So an identifier stays the same across re-imports of an unchanged document, backups
and restorations, exports and published versions; it changes when the statement moves (a
statement inserted above it, a row moved), as a place does.
"""


def synthesis(slug):
    return slug


def section(slug, thematic):
    return f"{slug}/{thematic}"


def row(slug, thematic, stage, position):
    return f"{slug}/{thematic}/{stage.slug}/{position}"


def statement(slug, thematic, stage, row_position, cell, position):
    return f"{row(slug, thematic, stage, row_position)}/{cell.slug}/{position}"


def sheet(slug, thematic, number):
    return f"{slug}/retex/{thematic if thematic is not None else 'commune'}/{number}"


def session(slug, position):
    return f"{slug}/introduction/{position}"


def proposal(slug, position):
    return f"{slug}/propositions/{position}"
