"""The project's templates, read as files: rules a rendered page would not always show."""

import re

import pytest
from django.test import Client

from etatsgeneraux.settings import BASE_DIR

TEMPLATES = BASE_DIR / "templates"
SITE_NAME = "États généraux du numérique pour l’éducation"


def templates(under=""):
    return sorted((TEMPLATES / under).rglob("*.html"))


def name(template):
    return str(template.relative_to(TEMPLATES))


def without_comments(text):
    """The template without its comments, which may name what they avoid."""
    text = re.sub(r"{#.*?#}", "", text)
    return re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.S)


def test_every_short_comment_closes_on_its_own_line():
    """Django reads `{# ... #}` on one line only: a `{#` closed on a later line is no
    comment at all, and its text shows on the page. Longer notes go in
    `{% comment %}...{% endcomment %}`."""
    unclosed = []
    for template in templates():
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if re.search(r"{#(?!.*?#})", line):
                unclosed.append(f"{name(template)}:{number}: {line.strip()}")
    assert not unclosed, "« {# » sans « #} » sur la même ligne :\n" + "\n".join(unclosed)


def test_pages_name_themselves_and_base_html_alone_adds_the_site_s_name():
    """`{% block title %}` holds the page's own part of the <title>; base.html appends the
    site's name (`{% block title_suffix %}`), written there only."""
    missing, repeated = [], []
    for template in templates():
        text = without_comments(template.read_text())
        if not text.startswith('{% extends "base.html" %}'):
            continue
        title = re.search(r"{% block title %}(.*?){% endblock %}", text, flags=re.S)
        if title is None:
            missing.append(name(template))
        elif SITE_NAME in title.group(1):
            repeated.append(name(template))
    assert not missing, f"Pages sans {{% block title %}} : {missing}"
    assert not repeated, f"Pages qui répètent le nom du site dans leur titre : {repeated}"
    base = (TEMPLATES / "base.html").read_text()
    assert f"{{% block title_suffix %}} – {SITE_NAME}{{% endblock %}}" in base


@pytest.mark.parametrize(
    ("markup", "include"),
    [
        ("fr-breadcrumb", "site/breadcrumb.html"),
        ("fr-table__wrapper", "site/table.html"),
    ],
)
def test_repeated_dsfr_markup_lives_in_one_include(markup, include):
    elsewhere = [
        name(template)
        for template in templates()
        if markup in without_comments(template.read_text())
        and name(template) != include
        and not name(template).startswith("dsfr_crispy/")
    ]
    assert not elsewhere, f"« {markup} » hors de {include} : {elsewhere}"


def test_board_fields_take_their_length_from_the_registry_or_the_form():
    """`maxlength` comes from `cell.max_length` (etatsgeneraux/stages.py) or a form field,
    never a number written in a template."""
    literal = [
        f"{name(template)}: {match.group(0)}"
        for template in templates("board")
        for match in re.finditer(r"maxlength=\"?\d+", template.read_text())
    ]
    assert not literal, literal


@pytest.mark.django_db
def test_the_title_is_the_page_s_own_then_the_site_s_name(reference_data):
    html = Client().get("/comptes/connexion/").content.decode()
    assert f"<title>Connexion – {SITE_NAME}</title>" in html


# What a template says to its reader, its code and markup left out (replaced by \x01 so that
# a space next to them still counts).
CODE = re.compile(
    r"{% comment %}.*?{% endcomment %}|{#.*?#}|{%.*?%}|{{.*?}}"
    r"|<script.*?</script>|<style.*?</style>|<!--.*?-->|<[^>]*>",
    re.S,
)
# A plain space before « ; : ! ? », after « or before »: French wants a no-break one.
BREAKABLE_SPACE = re.compile(r"(?<=\S) (?=[;:!?](?:[\s<&{\x01]|$))|(?<=«) | (?=»)")


def test_french_punctuation_holds_to_its_word_with_a_no_break_space():
    """« Durée : 3 s », « « titre » »: a plain space lets the line break before the colon or
    inside the quotes; the templates write `&nbsp;` (or `&#160;` in SVG)."""
    found = []
    for template in templates():
        text = CODE.sub(
            lambda code: "\n" * code.group(0).count("\n") + "\x01", template.read_text()
        )
        for number, line in enumerate(text.splitlines(), start=1):
            for space in BREAKABLE_SPACE.finditer(line):
                where = line[max(0, space.start() - 30) : space.end() + 10].replace("\x01", "…")
                found.append(f"{name(template)}:{number}: {where.strip()}")
    assert not found, "Espace sécable dans la ponctuation française :\n" + "\n".join(found)
