"""Hostile input in every form of the web pages: a clear refusal in French, or a faithful,
escaped round-trip; never a 500 and never a partial write.

The workshop board (every cell of the three stages, undo, links to an earlier stage, row
RETEX, horizon, RETEX sheets), the introduction, the flagship proposals, the account pages
and the query strings get 100 000-character texts, NUL bytes and other control characters,
markup and `javascript:` links, SQL-looking text, emoji, right-to-left text and forged
numbers. What a text field does with what it is sent: leading and trailing whitespace is
removed (Python's `str.strip`, as Django does), nothing else is changed; a text that shows
nothing (spaces, zero-width or direction marks only) counts as empty; control characters
are refused. The import and the commands: tests/hostile/test_commands.py.
"""

import html
import io
import re
import unicodedata
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.template.defaultfilters import linebreaksbr
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from actionplans.models import ActionPlanRow, FlagshipProposal
from etatsgeneraux.reports.pdf import french_spacing
from etatsgeneraux.stages import CELLS
from tests import factories
from tests.syntheses.test_pages import page_form, set_value
from workshops.models import (
    DiagnosticRow,
    Irritant,
    Lever,
    RetexLink,
    RetexSheet,
    Session,
    Synthesis,
)

# PDFs are cached by content: a cache of the test's own, so that every PDF is rendered.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

HTMX = {"HTTP_HX_REQUEST": "true"}
NBSP = "\u00a0"
HUGE = "99999999999999999999"  # more than 2**64
# Numbers no form may take for an id, a version or a position ("²" is a digit to Python).
FORGED_NUMBERS = ["abc", "-1", "0", "1.5", "1e3", "²", HUGE, str(2**63), "1" * 5000]

# Stored exactly as typed, shown escaped.
ACCEPTED = {
    "script": "<script>alert(1)</script>",
    "attribute": '" onmouseover="alert(1)" x="',
    "javascript": "javascript:alert(1)",
    "sql": "'; DROP TABLE workshops_irritant; --",
    "emoji": "Bravo 👏🏽 👩‍👩‍👧‍👦 🇫🇷 𝄞 😀",
    "arabic": "نقص في المعدات الرقمية",
    "hebrew": "חוסר בציוד דיגיטלי",
    "crlf": "ligne 1\r\nligne 2",
    "typography": "«\u00a0Cœur\u00a0» : l’été, 1\u202f000\u00a0€ ; ça va\u00a0?",
}
# Control characters every text field refuses (NUL with Django's own message).
CONTROLS = ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
# Bidirectional embeddings, overrides and isolates: the text would display otherwise.
CONTROLS += ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"]
CONTROL_MESSAGE = "caractère de contrôle invisible"
NUL_MESSAGE = "Le caractère nul n’est pas autorisé."
TOO_LONG = "x" * 100_000
TOO_LONG_MESSAGE = f"ne doit pas dépasser 2{NBSP}000{NBSP}caractères (il en compte 100000)"
LONG_TEXT_MESSAGE = f"ne doit pas dépasser 10{NBSP}000{NBSP}caractères (il en compte 100000)"
# Texts that show nothing: whitespace of every kind, zero-width space, direction marks.
BLANKS = [" ", "\t \r\n", NBSP * 3, "\u2003\u3000", "\u200b", "\u200e\u200f\u2060"]


def snapshot():
    """What a save could write: the rows of every model (history included) and the last
    change of every synthesis."""
    models = [
        *apps.get_app_config("workshops").get_models(),
        *apps.get_app_config("actionplans").get_models(),
    ]
    counts = {model._meta.label: model.objects.count() for model in models}
    return counts, list(Synthesis.objects.order_by("pk").values_list("updated_at", flat=True))


@contextmanager
def nothing_written():
    before = snapshot()
    yield
    assert snapshot() == before


def text(response):
    return response.content.decode()


def escaped(value):
    """A text as the templates show it: escaped, its newlines as <br>."""
    return linebreaksbr(value, autoescape=True)


def assert_shown_escaped(page, value):
    assert escaped(value) in page or escape(value) in page
    if "<" in value or '"' in value:
        assert value not in page


def assert_refused(response, message, status=422):
    assert response.status_code == status, text(response)[-500:]
    assert message in text(response)


@pytest.fixture
def section():
    return factories.board_section(rows=1, statements=1)


@pytest.fixture
def synthesis(section):
    """The synthesis of the role fixtures (tests/conftest.py): the section's."""
    return section.synthesis


def board_url(section, name="board:page", *args):
    return reverse(name, args=[section.synthesis.slug, section.thematic.number, *args])


def first_row(section, cell):
    return getattr(section, cell.stage.related_name).order_by("position").first()


def add_url(section, cell):
    row = first_row(section, cell)
    return board_url(section, "board:add_statement", cell.stage_slug, row.pk, cell.slug)


def edit_url(section, cell, statement):
    return board_url(section, "board:edit_statement", cell.slug, statement.pk)


def last_statement(section, cell):
    return getattr(first_row(section, cell), cell.related_name).order_by("position").last()


def add(client, section, cell, value, **data):
    return client.post(add_url(section, cell), {"text": value, **data}, **HTMX)


def edit(client, section, cell, statement, value, **data):
    statement.refresh_from_db()
    data = {"text": value, "version": statement.version, "row": statement.row_id, **data}
    return client.post(edit_url(section, cell, statement), data, **HTMX)


# Statements of every cell ----------------------------------------------------------------------


def hostile_texts_for(cell):
    """Every hostile text for a cell of each kind (plain, linked), the main ones elsewhere."""
    if cell.slug in ("irritants", "irritants-principaux", "axes"):
        return ACCEPTED
    return {name: ACCEPTED[name] for name in ("script", "attribute", "emoji", "hebrew")}


def test_hostile_text_added_to_any_cell_is_stored_exactly_and_shown_escaped(
    facilitator_client, section
):
    for cell in CELLS.values():
        for name, value in hostile_texts_for(cell).items():
            response = add(facilitator_client, section, cell, value)
            assert response.status_code == 200, (cell.slug, name)
            assert last_statement(section, cell).text == value, (cell.slug, name)
            assert_shown_escaped(text(response), value)


def test_hostile_text_typed_over_any_statement_is_stored_exactly_and_shown_escaped(
    facilitator_client, section
):
    for cell in CELLS.values():
        statement = last_statement(section, cell)
        for name, value in hostile_texts_for(cell).items():
            response = edit(facilitator_client, section, cell, statement, value)
            assert response.status_code == 200, (cell.slug, name)
            statement.refresh_from_db()
            assert statement.text == value, (cell.slug, name)
            assert_shown_escaped(text(response), value)
        # Its edit form shows the stored text escaped, in the textarea.
        assert escape(statement.text) in text(
            facilitator_client.get(edit_url(section, cell, statement), **HTMX)
        )


def test_leading_and_trailing_whitespace_is_removed_and_the_inside_kept(
    facilitator_client, section
):
    cell = CELLS["besoins"]
    assert (
        add(facilitator_client, section, cell, " \t Un  besoin\r\n précis \u3000").status_code
        == 200
    )
    assert last_statement(section, cell).text == "Un  besoin\r\n précis"


def test_a_control_character_in_a_statement_is_refused_in_french_and_nothing_is_written(
    facilitator_client, section
):
    with nothing_written():
        for cell, control in zip(CELLS.values(), CONTROLS, strict=False):
            statement = last_statement(section, cell)
            value = f"Manque de{control} matériel"
            assert_refused(add(facilitator_client, section, cell, value), CONTROL_MESSAGE)
            assert_refused(
                edit(facilitator_client, section, cell, statement, value), CONTROL_MESSAGE
            )
        # The message says where the invisible character is.
        cell = CELLS["irritants"]
        for control in CONTROLS:
            response = add(facilitator_client, section, cell, f"Du matériel{control} ancien")
            where = f"(U+{ord(control):04X}), après «{NBSP}Du matériel{NBSP}»"
            assert_refused(response, where)


def test_a_nul_byte_in_a_statement_is_refused_in_french_and_nothing_is_written(
    facilitator_client, section
):
    with nothing_written():
        for cell in CELLS.values():
            statement = last_statement(section, cell)
            assert_refused(add(facilitator_client, section, cell, "avant\x00après"), NUL_MESSAGE)
            assert_refused(edit(facilitator_client, section, cell, statement, "\x00"), NUL_MESSAGE)


def test_a_100_000_character_statement_is_refused_in_french_and_nothing_is_written(
    facilitator_client, section
):
    with nothing_written():
        for cell in CELLS.values():
            statement = last_statement(section, cell)
            assert_refused(add(facilitator_client, section, cell, TOO_LONG), TOO_LONG_MESSAGE)
            assert_refused(
                edit(facilitator_client, section, cell, statement, TOO_LONG), TOO_LONG_MESSAGE
            )


def test_a_blank_or_invisible_statement_is_refused_in_french_and_nothing_is_written(
    facilitator_client, section
):
    with nothing_written():
        for cell in CELLS.values():
            statement = last_statement(section, cell)
            message = (
                f"Saisissez un texte ou choisissez un {cell.link_label}"
                if cell.linked
                else "Saisissez un texte."
            )
            blanks = BLANKS if cell.slug in ("irritants", "axes") else BLANKS[-2:]
            for blank in blanks:
                assert_refused(add(facilitator_client, section, cell, blank), message)
                assert_refused(edit(facilitator_client, section, cell, statement, blank), message)


def test_bytes_that_are_not_utf8_never_give_a_500(facilitator_client, section):
    """No browser sends a lone surrogate: percent-encoded bytes that are not UTF-8 arrive as
    U+FFFD, raw ones as Latin-1 (mojibake), stored and shown like any other character."""
    cell = CELLS["irritants"]
    for body in (b"text=%ED%A0%80fin", b"text=%FF%FEfin"):
        response = facilitator_client.post(
            add_url(section, cell), body, content_type="application/x-www-form-urlencoded", **HTMX
        )
        assert response.status_code == 200, body
        assert last_statement(section, cell).text.endswith("\ufffdfin")
    response = facilitator_client.post(
        add_url(section, cell),
        b"text=\xc3\xa9t\xe9",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert last_statement(section, cell).text.encode("utf-8")


# Hypothesis: any text -----------------------------------------------------------------------------

# Any character but the surrogates (no browser can send one, see above), and long texts of
# the characters that matter.
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40) | st.text(
    st.sampled_from(["a", " ", "\x00", "\x07", "<", "\u200b", "é", "\r", "\n", "\x85"]),
    max_size=2100,
)
INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REFUSALS = (
    NUL_MESSAGE,
    CONTROL_MESSAGE,
    "Saisissez un texte",
    f"ne doit pas dépasser 2{NBSP}000{NBSP}caractères",
)


def expected(value):
    """What a statement field stores of `value`, or None when it refuses it."""
    stripped = value.strip()
    if "\x00" in value or CONTROL.search(stripped) or len(stripped) > 2000:
        return None
    if all(unicodedata.category(char) in INVISIBLE for char in stripped):
        return None
    return stripped


def check_round_trip(response, value, stored, before):
    wanted = expected(value)
    if wanted is None:
        assert response.status_code == 422, repr(value)
        assert any(message in text(response) for message in REFUSALS)
        assert snapshot() == before
    else:
        assert response.status_code == 200, (repr(value), text(response)[-500:])
        assert stored() == wanted
        assert escaped(wanted) in text(response)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=ANY_TEXT)
def test_any_text_added_is_refused_in_french_or_stored_as_typed_and_shown_escaped(
    facilitator_client, section, value
):
    cell = CELLS["points-forts"]
    before = snapshot()
    response = add(facilitator_client, section, cell, value)
    check_round_trip(response, value, lambda: last_statement(section, cell).text, before)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=ANY_TEXT)
def test_any_text_typed_over_a_statement_is_refused_in_french_or_stored_as_typed(
    facilitator_client, section, value
):
    cell = CELLS["axes"]
    statement = last_statement(section, cell)
    before = snapshot()
    response = edit(facilitator_client, section, cell, statement, value)

    def stored():
        statement.refresh_from_db()
        return statement.text

    check_round_trip(response, value, stored, before)


# Links to an earlier stage, undo, versions, forged ids, horizon -----------------------------------


def test_a_forged_link_source_is_refused_in_french_and_nothing_is_written(
    facilitator_client, section
):
    other = factories.board_section(rows=1, statements=1)
    foreign = {
        "irritants-principaux": Irritant.objects.filter(row__section=other).first(),
        "axes": Lever.objects.filter(row__section=other).first(),
    }
    gone = "Cet énoncé n’existe plus ou appartient à une autre thématique"
    with nothing_written():
        for slug, source in foreign.items():
            cell = CELLS[slug]
            statement = last_statement(section, cell)
            for forged in [*FORGED_NUMBERS, source.pk, "<script>", "\x00"]:
                message = NUL_MESSAGE if forged == "\x00" else gone
                response = add(facilitator_client, section, cell, "", mode="link", source=forged)
                assert_refused(response, message)
                response = edit(facilitator_client, section, cell, statement, "", source=forged)
                assert_refused(response, message)


def test_an_undo_with_forged_fields_is_refused_and_nothing_is_written(facilitator_client, section):
    cell = CELLS["irritants"]
    row = first_row(section, cell)
    url = board_url(section, "board:restore_statement", cell.stage_slug, row.pk, cell.slug)
    forged = [
        *({"text": "Revenu", "position": number} for number in FORGED_NUMBERS),
        {"text": "Revenu", "position": 1, "source": HUGE},
        {"text": "Re\x00venu", "position": 1},
        {"text": "Re\x07venu", "position": 1},
        {"text": TOO_LONG, "position": 1},
        {"text": "\u200b", "position": 1},
    ]
    with nothing_written():
        for data in forged:
            response = facilitator_client.post(url, data, **HTMX)
            assert response.status_code == 422, data
            assert "Restauration impossible." in response["HX-Trigger-After-Settle"].encode(
                "ascii"
            ).decode("unicode_escape")


def test_a_deleted_hostile_statement_comes_back_exactly_when_undone(facilitator_client, section):
    cell = CELLS["leviers"]
    for value in ACCEPTED.values():
        assert add(facilitator_client, section, cell, value).status_code == 200
        statement = last_statement(section, cell)
        url = board_url(section, "board:delete_statement", cell.slug, statement.pk)
        deleted = text(facilitator_client.post(url, **HTMX))
        # What a browser posts back from the undo notice's hidden fields.
        data = {
            name: html.unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="(\w+)" value="([^"]*)">', deleted
            )
        }
        restore = board_url(
            section,
            "board:restore_statement",
            cell.stage_slug,
            statement.row_id,
            cell.slug,
        )
        assert facilitator_client.post(restore, data, **HTMX).status_code == 200
        assert last_statement(section, cell).text == value


def test_forged_versions_are_refused_in_french_and_nothing_is_written(facilitator_client, section):
    cell = CELLS["irritants"]
    statement = last_statement(section, cell)
    plan_row = ActionPlanRow.objects.filter(section=section).first()
    diagnostic_row = DiagnosticRow.objects.filter(section=section).first()
    sheet = RetexSheet.objects.filter(section=section).first()
    posts = [
        (edit_url(section, cell, statement), {"text": "Nouveau"}),
        (
            board_url(section, "board:emphasis", cell.slug, statement.pk),
            {"emphasised": "true"},
        ),
        (board_url(section, "board:horizon", plan_row.pk), {"horizon": "long"}),
        (
            board_url(section, "board:edit_row_retex", diagnostic_row.pk),
            {"retex_label": "Oral"},
        ),
        (
            board_url(section, "board:edit_sheet", sheet.pk),
            {"number": sheet.number, "title": "Titre"},
        ),
    ]
    with nothing_written():
        for url, data in posts:
            for version in [*FORGED_NUMBERS, "", "\x00"]:
                response = facilitator_client.post(url, {**data, "version": version}, **HTMX)
                assert response.status_code == 422, (url, version)
                told = text(response) + response.get("HX-Trigger-After-Settle", "")
                assert "Version" in told or "caract\\u00e8re nul" in told, (url, version)


def test_forged_ids_in_urls_are_not_found_and_change_nothing(facilitator_client, section):
    other = factories.board_section(rows=1, statements=1)
    foreign = {
        "statement": Irritant.objects.filter(row__section=other).first().pk,
        "diagnostic": DiagnosticRow.objects.filter(section=other).first().pk,
        "plan": ActionPlanRow.objects.filter(section=other).first().pk,
        "sheet": RetexSheet.objects.filter(section=other).first().pk,
    }
    mark = 987654  # replaced by the forged id in the URL
    urls = [
        *(
            (name, "statement", ["irritants", mark])
            for name in ("delete_statement", "move_up", "move_down", "emphasis", "edit_statement")
        ),
        ("delete_row", "diagnostic", ["diagnostic", mark]),
        ("move_row_up", "plan", ["plan-action", mark]),
        ("edit_row_retex", "diagnostic", [mark]),
        ("horizon", "plan", [mark]),
        ("delete_sheet", "sheet", [mark]),
        ("edit_sheet", "sheet", [mark]),
    ]
    data = {"version": 1, "emphasised": "true", "horizon": "long", "number": 1, "text": "Piraté"}
    with nothing_written():
        for name, kind, args in urls:
            for pk in (str(foreign[kind]), HUGE, str(2**63), str(2**31)):
                url = board_url(section, f"board:{name}", *args)
                response = facilitator_client.post(
                    url.replace(f"/{mark}/", f"/{pk}/"), data, **HTMX
                )
                if name == "edit_statement" and pk != str(foreign[kind]):
                    # An unknown statement is one deleted meanwhile: the text is offered back.
                    assert response.status_code == 409, pk
                else:
                    assert response.status_code == 404, (name, pk, response.status_code)
    slug = section.synthesis.slug
    assert facilitator_client.get(f"/syntheses/{slug}/thematiques/{HUGE}/").status_code == 404


def test_a_forged_horizon_is_refused_in_french_and_nothing_is_written(facilitator_client, section):
    row = ActionPlanRow.objects.filter(section=section).first()
    url = board_url(section, "board:horizon", row.pk)
    with nothing_written():
        for horizon in ("demain", "<script>", "court\x00", "LONG", TOO_LONG):
            response = facilitator_client.post(
                url, {"version": row.version, "horizon": horizon}, **HTMX
            )
            assert_refused(response, "Choisissez court, moyen ou long terme.")


# RETEX cited by a row, RETEX sheets ---------------------------------------------------------------


def test_forged_retex_sheets_cited_by_a_row_are_refused_and_nothing_is_written(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    foreign = factories.RetexSheetFactory()
    url = board_url(section, "board:edit_row_retex", row.pk)
    with nothing_written():
        for sheet in [*FORGED_NUMBERS, foreign.pk, "\x00"]:
            response = facilitator_client.post(
                url, {"version": row.version, "sheets": [sheet]}, **HTMX
            )
            assert response.status_code == 422, sheet
            page = text(response)
            assert "Fiche RETEX invalide." in page or "n’existe plus" in page, sheet


def test_the_free_retex_label_of_a_row_round_trips_escaped_or_is_refused(
    facilitator_client, section
):
    row = DiagnosticRow.objects.filter(section=section).first()
    url = board_url(section, "board:edit_row_retex", row.pk)
    for value in ACCEPTED.values():
        row.refresh_from_db()
        response = facilitator_client.post(
            url, {"version": row.version, "retex_label": value}, **HTMX
        )
        assert response.status_code == 200
        row.refresh_from_db()
        assert row.retex_label == value
        assert_shown_escaped(text(response), value)
    with nothing_written():
        for value, message in (
            ("Oral\x00", NUL_MESSAGE),
            ("Or\x1bal", CONTROL_MESSAGE),
            (TOO_LONG, LONG_TEXT_MESSAGE),
        ):
            response = facilitator_client.post(
                url, {"version": row.version, "retex_label": value}, **HTMX
            )
            assert_refused(response, message)


def sheet_data(**values):
    data = {"number": 9, "origin": "Vendée", "title": "Un collège", "text": "", "links": ""}
    data.update(values)
    return data


def test_hostile_text_in_a_retex_sheet_round_trips_and_is_shown_escaped(
    facilitator_client, section
):
    url = board_url(section, "board:add_sheet")
    for number, value in enumerate(ACCEPTED.values(), start=10):
        label = value.splitlines()[0]
        response = facilitator_client.post(
            url,
            sheet_data(
                number=number,
                origin=value,
                title=value,
                text=value,
                links=f"https://example.org/fiche {label}",
            ),
            **HTMX,
        )
        assert response.status_code == 200, value
        sheet = RetexSheet.objects.get(section=section, number=number)
        assert (sheet.origin, sheet.title, sheet.text) == (value, value, value)
        assert sheet.links.get().label == label
        assert_shown_escaped(text(response), value)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "javascript://example.org/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "https://",
        "https://-example.org",
        "https://exa mple.org",
        "https://example.org/\x00",
        "https://example.org/\x07",
    ],
)
def test_a_retex_link_that_is_not_a_web_address_is_refused_with_the_whole_sheet(
    facilitator_client, section, link
):
    with nothing_written():
        response = facilitator_client.post(
            board_url(section, "board:add_sheet"),
            sheet_data(links=f"https://example.org/une\nhttps://example.org/deux\n{link}"),
            **HTMX,
        )
    assert response.status_code == 422
    page = text(response)
    assert "Ligne 3" in page or NUL_MESSAGE in page or CONTROL_MESSAGE in page
    assert not re.search(r'href="\s*(javascript|data|vbscript|file)', page, re.I)


def test_editing_a_retex_sheet_with_one_bad_link_keeps_every_stored_link(
    facilitator_client, section
):
    sheet = RetexSheet.objects.filter(section=section).first()
    links = list(sheet.links.values_list("url", flat=True))
    with nothing_written():
        response = facilitator_client.post(
            board_url(section, "board:edit_sheet", sheet.pk),
            sheet_data(
                number=sheet.number,
                version=sheet.version,
                title="Nouveau titre",
                links="https://example.org/nouveau\ndata:text/html,x",
            ),
            **HTMX,
        )
    assert response.status_code == 422
    assert list(sheet.links.values_list("url", flat=True)) == links


def test_a_quote_in_a_retex_link_stays_inside_its_escaped_href(facilitator_client, section):
    response = facilitator_client.post(
        board_url(section, "board:add_sheet"),
        sheet_data(links='https://example.org/"onmouseover="alert(1) <b>libellé</b>'),
        **HTMX,
    )
    assert response.status_code == 200
    page = text(response)
    assert 'href="https://example.org/&quot;onmouseover=&quot;alert(1)"' in page
    assert "&lt;b&gt;libellé&lt;/b&gt;" in page


def test_a_javascript_link_slipped_into_the_database_is_never_a_live_link(
    facilitator_client, section
):
    sheet = RetexSheet.objects.filter(section=section).first()
    for url in ("javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,x", "vbscript:x"):
        RetexLink.objects.create(sheet=sheet, url=url)
    slug = section.synthesis.slug
    for page in (
        facilitator_client.get(board_url(section)),
        facilitator_client.get(board_url(section, "board:sheet", sheet.pk), **HTMX),
        facilitator_client.get(reverse("reports:synthesis_preview", args=[slug])),
    ):
        assert page.status_code == 200
        assert "javascript:alert(1)" in text(page)  # shown as text...
        assert not re.search(r'href="\s*(javascript|data|vbscript)', text(page), re.I)  # ...only


def test_forged_retex_sheet_numbers_are_refused_in_french_and_nothing_is_written(
    facilitator_client, section
):
    with nothing_written():
        for number in [*FORGED_NUMBERS, "32768", "\x00"]:
            response = facilitator_client.post(
                board_url(section, "board:add_sheet"), sheet_data(number=number), **HTMX
            )
            assert response.status_code == 422, number
            page = text(response)
            assert "Le numéro" in page or NUL_MESSAGE in page, number


def test_a_control_character_or_an_overlong_text_in_any_field_of_a_retex_sheet_saves_nothing(
    facilitator_client, section
):
    with nothing_written():
        for field in ("origin", "title", "text", "links"):
            for value, message in (
                ("avant\x0caprès", CONTROL_MESSAGE),
                ("avant\x00après", NUL_MESSAGE),
                (TOO_LONG, "ne doit pas dépasser"),
            ):
                response = facilitator_client.post(
                    board_url(section, "board:add_sheet"),
                    sheet_data(**{field: value}),
                    **HTMX,
                )
                assert_refused(response, message)


# The pages and the PDF ----------------------------------------------------------------------------


def pdf_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(value):
    return re.sub(r"\s+", "", value)


def test_hostile_statements_are_escaped_on_every_page_and_read_back_from_the_pdf(
    facilitator_client, section
):
    values = [value for name, value in ACCEPTED.items() if name != "emoji"]
    for cell, value in zip(CELLS.values(), values, strict=False):
        assert add(facilitator_client, section, cell, value).status_code == 200
    slug = section.synthesis.slug
    pages = {
        "board": facilitator_client.get(board_url(section)),
        "traceability": facilitator_client.get(board_url(section, "board:traceability")),
        "synthesis": facilitator_client.get(reverse("syntheses:detail", args=[slug])),
        "preview": facilitator_client.get(reverse("reports:synthesis_preview", args=[slug])),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert "<script>alert(1)</script>" not in text(page), name
        assert 'onmouseover="alert(1)"' not in text(page), name
    for value in values:
        assert escaped(value) in text(pages["board"]), value
        # The report puts no-break spaces before « ; : ? ! » (french_spacing), nothing else.
        assert escaped(french_spacing(value)) in text(pages["preview"]), value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(pages["traceability"])
    extracted = squeezed(
        pdf_text(facilitator_client.get(reverse("reports:synthesis_pdf", args=[slug])))
    )
    for value in values:
        # The PDF shows the logical order of right-to-left text: compare without the override.
        expected_text = french_spacing(value).replace("\u202e", "").replace("\u202c", "")
        if "\u202e" in value:
            continue
        if any(unicodedata.bidirectional(character) in ("R", "AL") for character in value):
            # pypdf reads right-to-left words in visual order (poppler in logical order):
            # every word, whole.
            assert all(squeezed(word) in extracted for word in expected_text.split()), value
        else:
            assert squeezed(expected_text) in extracted, value


def test_emoji_missing_from_the_fonts_still_give_a_valid_pdf(facilitator_client, section):
    """Emoji the fonts lack (skin tones, families, flags) print as empty boxes; the PDF is
    valid, but pypdf can no longer decode the text of that font (WeasyPrint then writes a
    custom encoding that pypdf reads byte by byte): readers such as poppler or pdf.js do."""
    cell = CELLS["irritants"]
    assert add(facilitator_client, section, cell, ACCEPTED["emoji"]).status_code == 200
    slug = section.synthesis.slug
    response = facilitator_client.get(reverse("reports:synthesis_pdf", args=[slug]))
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1
    preview = facilitator_client.get(reverse("reports:synthesis_preview", args=[slug]))
    assert escape(ACCEPTED["emoji"]) in text(preview)


# Query strings ------------------------------------------------------------------------------------


def test_a_forged_thematic_number_in_the_query_string_is_not_found(facilitator_client, section):
    slug = section.synthesis.slug
    for name in ("reports:synthesis_preview", "reports:synthesis_pdf"):
        for value in [*FORGED_NUMBERS, "<script>", "\x00", "2\x00", "1 OR 1=1"]:
            response = facilitator_client.get(reverse(name, args=[slug]), {"thematique": value})
            assert response.status_code == 404, (name, value)
    page = facilitator_client.get(board_url(section), {"etape": "<script>alert(1)</script>"})
    assert page.status_code == 200 and "<script>alert(1)</script>" not in text(page)


def test_admin_lists_survive_forged_paging_sorting_and_search(admin_client, section):
    for query in (
        {"p": "abc"},
        {"p": HUGE},
        {"o": "<script>"},
        {"q": "<script>alert(1)</script>"},
        {"q": "\x00"},
        {"q": "'; DROP TABLE workshops_irritant; --"},
    ):
        response = admin_client.get(reverse("admin:workshops_irritant_changelist"), query)
        assert response.status_code in (200, 302), query
        assert "<script>alert(1)</script>" not in text(response)
    assert Irritant.objects.exists()


# The introduction ---------------------------------------------------------------------------------


@pytest.fixture
def introduction(section):
    """A synthesis with two sessions of two facilitators each, and two participant categories."""
    synthesis = section.synthesis
    factories.ParticipantCategoryFactory(number=1)
    factories.ParticipantCategoryFactory(number=7)
    for title in ("Séance académique", "Séance départementale"):
        session = factories.SessionFactory(synthesis=synthesis, title=title, position=None)
        factories.FacilitatorFactory(session=session, position=None)
        factories.FacilitatorFactory(session=session, position=None)
    return synthesis


def introduction_url(synthesis):
    return reverse("workshops:introduction_edit", args=[synthesis.slug])


def test_hostile_text_in_the_introduction_round_trips_and_is_shown_escaped(
    facilitator_client, introduction
):
    first = Session.objects.filter(synthesis=introduction).order_by("position").first()
    url = introduction_url(introduction)
    for name in ("script", "attribute", "sql", "emoji", "arabic", "crlf"):
        value = ACCEPTED[name]
        data = page_form(facilitator_client.get(url))
        set_value(data, rf"session-{first.pk}-title", value)
        set_value(data, rf"session-{first.pk}-dates_places", value)
        set_value(data, rf"session-{first.pk}-animateurs-0-name", value)
        set_value(data, rf"session-{first.pk}-categorie-1-note", value)
        assert facilitator_client.post(url, data).status_code == 302, value
        first.refresh_from_db()
        assert (first.title, first.dates_places) == (value, value)
        assert first.facilitators.order_by("position").first().name == value
        page = facilitator_client.get(reverse("syntheses:detail", args=[introduction.slug]))
        assert_shown_escaped(text(page), value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("No\x00m", NUL_MESSAGE),
        ("No\x1fm", CONTROL_MESSAGE),
        (TOO_LONG, "ne doit pas dépasser 200"),
        ("\u200b", "Saisissez le nom de l’animateur ou l’animatrice."),
    ],
)
def test_one_hostile_facilitator_of_the_second_session_saves_nothing_of_the_whole_page(
    facilitator_client, introduction, value, message
):
    first, second = Session.objects.filter(synthesis=introduction).order_by("position")
    url = introduction_url(introduction)
    data = page_form(facilitator_client.get(url))
    set_value(data, rf"session-{first.pk}-title", "Titre qui ne sera pas enregistré")
    set_value(data, rf"session-{first.pk}-categorie-7-participants", "12")
    set_value(data, r"nouvelle-session-title", "Session qui ne sera pas ajoutée")
    set_value(data, rf"session-{second.pk}-animateurs-1-name", value)
    with nothing_written():
        assert_refused(facilitator_client.post(url, data), message)


@pytest.mark.slow
def test_forged_numbers_and_ids_in_the_introduction_are_refused_and_save_nothing(
    facilitator_client, introduction
):
    first = Session.objects.filter(synthesis=introduction).order_by("position").first()
    url = introduction_url(introduction)
    drawn = page_form(facilitator_client.get(url))
    prefix = f"session-{first.pk}"
    with nothing_written():
        for name in (
            "categorie-7-participants",
            "version",
            "animateurs-0-id",
            "animateurs-0-version",
            "animateurs-TOTAL_FORMS",
        ):
            # "0" participants is a count like any other; 0 is no id nor version.
            zero = [] if name.startswith("categorie") else ["0"]
            for number in ["-1", HUGE, *zero]:
                data = {key: list(values) for key, values in drawn.items()}
                set_value(data, rf"{prefix}-title", "Titre modifié")
                set_value(data, rf"{prefix}-animateurs-0-name", "Nom modifié")
                set_value(data, rf"{prefix}-{name}", number)
                response = facilitator_client.post(url, data)
                assert response.status_code in (409, 422), (name, number, response.status_code)
    # Session ids the page never showed are ignored.
    data = {key: list(values) for key, values in drawn.items()}
    data["sessions"] += FORGED_NUMBERS
    assert facilitator_client.post(url, data).status_code == 302


# Flagship proposals -------------------------------------------------------------------------------


def proposal_data(**values):
    data = {"title": "Tutorat entre pairs", "summary": "Des élèves accompagnent des collégiens."}
    data.update(values)
    return data


def test_a_hostile_flagship_proposal_round_trips_and_is_shown_escaped(facilitator_client, section):
    slug = section.synthesis.slug
    url = reverse("actionplans:proposal_create", args=[slug])
    for value in ACCEPTED.values():
        response = facilitator_client.post(
            url, proposal_data(title=value, summary=value, referent=value, territory=value)
        )
        assert response.status_code == 302, value
        proposal = FlagshipProposal.objects.filter(synthesis=section.synthesis).last()
        assert (proposal.title, proposal.summary, proposal.referent) == (value, value, value)
        preview = facilitator_client.get(
            reverse("reports:proposal_preview", args=[slug, proposal.position])
        )
        assert preview.status_code == 200
        if "<" in value:
            assert value not in text(preview)
    page = facilitator_client.get(reverse("syntheses:detail", args=[slug]))
    assert page.status_code == 200 and ACCEPTED["script"] not in text(page)
    extracted = squeezed(
        pdf_text(facilitator_client.get(reverse("reports:proposal_pdf", args=[slug, 1])))
    )
    assert squeezed(ACCEPTED["script"]) in extracted


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Titre\x00", NUL_MESSAGE),
        ("summary", "Résumé\x07", CONTROL_MESSAGE),
        ("referent", "Ré\x85férent", CONTROL_MESSAGE),
        ("summary", TOO_LONG, LONG_TEXT_MESSAGE),
        ("title", TOO_LONG, f"ne doit pas dépasser 300{NBSP}caractères"),
        ("title", " \u200b ", "Donnez un titre à la proposition phare."),
        ("effort", "<script>", "Choisissez un effort faible, moyen ou fort."),
        ("version", HUGE, "Version invalide"),
    ],
)
def test_a_hostile_flagship_proposal_field_is_refused_in_french_and_nothing_is_written(
    facilitator_client, section, field, value, message
):
    proposal = factories.FlagshipProposalFactory(synthesis=section.synthesis, position=1)
    slug = section.synthesis.slug
    edit_page = reverse("actionplans:proposal_edit", args=[slug, proposal.position])
    with nothing_written():
        if field != "version":
            create = reverse("actionplans:proposal_create", args=[slug])
            assert_refused(
                facilitator_client.post(create, proposal_data(**{field: value})), message
            )
        data = {"version": proposal.version, field: value}
        assert_refused(facilitator_client.post(edit_page, proposal_data(**data)), message)


# Accounts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("claire\x00", "un mot de passe solide"),
        ("claire", "un mot de passe\x00"),
        ("x" * 100_000, "x"),
        ("<script>alert(1)</script>", "x"),
        ("' OR '1'='1", "' OR '1'='1"),
        ("claire\x07", "un mot de passe solide"),
        ("👩‍👩‍👧‍👦", "مرحبا"),
    ],
)
def test_hostile_login_input_is_refused_in_french_without_a_500(username, password):
    factories.UserFactory(username="claire")
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    page = text(response)
    assert (
        "Saisissez un nom d’utilisateur et un mot de passe valides" in page
        or NUL_MESSAGE in page
        or "au plus 150" in page
    )
    assert "<script>alert(1)</script>" not in page
    assert "_auth_user_id" not in client.session


def test_an_overlong_user_name_is_refused_by_both_login_pages_before_authentication(db):
    """Refused by the form: authentication, and django-axes' record of a failed login
    (a 255-character column on PostgreSQL), never see it."""
    for url in (reverse("login"), reverse("admin:login")):
        response = Client().post(url, {"username": "x" * 100_000, "password": "x"})
        assert response.status_code == 200, url
        assert "au plus 150" in text(response), url


@pytest.mark.parametrize("new_password", ["nouveau\x00mot de passe", "x" * 100_000 + "\x00"])
def test_a_hostile_new_password_is_refused_in_french_and_the_old_one_kept(new_password):
    user = factories.UserFactory(username="claire")
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "un mot de passe solide",
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.status_code == 200
    assert NUL_MESSAGE in text(response)
    user.refresh_from_db()
    assert user.check_password("un mot de passe solide")
