"""Two facilitators on one board, in two browser contexts of Debian's Chromium: each sees the
other's additions, edits, moves and deletions within seconds, without reloading, and who else
is on the board; what one is typing is never disturbed by the other's changes (issue 15)."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories
from tests.browser.pages import log_in
from workshops.fixtures import DEMO_SLUGS
from workshops.models import DiagnosticRow, Synthesis, ThematicSection

# Browser tests (make test-fast leaves them out), in one test process with the other ones: one
# Chromium and one live server. The people present are kept in the cache: a cache of the
# test's own, so that nobody from another test is on the board.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.usefixtures("fresh_cache"),
]

# The page polls every 2 s: a change shows within about 2 s; the margin is for a busy machine.
LIVE = 6_000


@pytest.fixture
def section(synthesis):
    return (
        ThematicSection.objects.select_related("thematic", "synthesis")
        .filter(synthesis__slug=DEMO_SLUGS[1])
        .order_by("position")
        .first()
    )


@pytest.fixture
def open_board(browser, live_demo, section):
    """A facilitator's own browser context (cookies, session), with the board open."""
    contexts = []

    def open_board(user, width, height):
        context = browser.new_context(
            base_url=live_demo.url, locale="fr-FR", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, user)
        page.goto(reverse("board:page", args=[section.synthesis.slug, section.thematic.number]))
        expect(page.locator("#tab-diagnostic")).to_be_visible()
        # Set once: still there at the end if the page was never reloaded.
        page.evaluate("() => { window.neverReloaded = true; }")
        return page

    yield open_board
    for context in contexts:
        context.close()


def show_stage(page, slug):
    """Clicks a stage's tab, then waits for the DSFR to finish sliding its panel in (a quarter
    of a second): a click meanwhile may land where the button was a frame before."""
    page.locator(f"#tab-{slug}").click()
    page.wait_for_function(
        """(id) => { const panel = document.getElementById(id), style = getComputedStyle(panel);
                     return panel.classList.contains('fr-tabs__panel--selected')
                            && style.visibility === 'visible' && style.transform === 'none'; }""",
        arg=f"panel-{slug}",
    )


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save()
    return user


def texts(page, row):
    return page.locator(f"#list-irritants-{row.pk} > li.board-statement .board-statement__text")


def shown_within(locator, started):
    """Seconds from `started` until the locator shows (LIVE at most)."""
    expect(locator).to_be_visible(timeout=LIVE)
    return time.monotonic() - started


def test_two_facilitators_see_each_others_changes_without_reloading(
    open_board, facilitator, synthesis, section
):
    alice = named(facilitator, "Alice", "Durand")
    bob = named(factories.facilitator_of(synthesis), "Bruno", "Martin")
    row = DiagnosticRow.objects.filter(section=section).order_by("position").first()
    delays = {}

    a = open_board(alice, 1280, 800)  # on a laptop
    b = open_board(bob, 390, 844)  # on a phone

    # Who else is on the board.
    expect(a.locator("#board-presence")).to_contain_text("Bruno Martin", timeout=LIVE)
    expect(b.locator("#board-presence")).to_contain_text("Alice Durand", timeout=LIVE)

    # An addition.
    field = a.locator(f"#new-irritants-{row.pk}")
    field.fill("Ajout d’Alice")
    field.press("Enter")
    expect(a.get_by_text("Ajout d’Alice", exact=True)).to_be_visible()
    started = time.monotonic()
    delays["addition"] = shown_within(b.get_by_text("Ajout d’Alice", exact=True), started)

    # Bruno is typing in the same cell when Alice adds again: his field keeps its focus,
    # its text and its caret.
    typing = b.locator(f"#new-irritants-{row.pk}")
    typing.click()
    b.keyboard.type("Saisie de Bruno")
    field.fill("Deuxième ajout d’Alice")
    field.press("Enter")
    expect(b.get_by_text("Deuxième ajout d’Alice", exact=True)).to_be_visible(timeout=LIVE)
    expect(typing).to_be_focused()
    expect(typing).to_have_value("Saisie de Bruno")
    b.keyboard.type(" en cours")
    expect(typing).to_have_value("Saisie de Bruno en cours")

    # An edit: Bruno corrects Alice's first statement; Alice adds a third one while his
    # form is open, which stays open with what he typed.
    first = b.locator(f"#list-irritants-{row.pk} > li", has_text="Ajout d’Alice").first
    first.get_by_role("button", name="Modifier").click()
    editor = b.get_by_role("textbox", name=re.compile("^Texte"))
    expect(editor).to_be_focused()
    editor.fill("Ajout d’Alice, précisé par Bruno")
    field.fill("Troisième ajout d’Alice")
    field.press("Enter")
    expect(b.get_by_text("Troisième ajout d’Alice", exact=True)).to_be_visible(timeout=LIVE)
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Ajout d’Alice, précisé par Bruno")
    editor.press("Enter")
    expect(b.get_by_text("Ajout d’Alice, précisé par Bruno", exact=True)).to_be_visible()
    started = time.monotonic()
    delays["edit"] = shown_within(
        a.get_by_text("Ajout d’Alice, précisé par Bruno", exact=True), started
    )
    expect(a.get_by_text("Ajout d’Alice", exact=True)).to_have_count(0)
    # Bruno's unsaved addition is still in his field.
    expect(typing).to_have_value("Saisie de Bruno en cours")

    # A move: Alice moves her third statement up, above the second.
    order = texts(b, row)
    count = order.count()
    expect(order.nth(count - 1)).to_have_text("Troisième ajout d’Alice")
    third = a.locator(f"#list-irritants-{row.pk} > li", has_text="Troisième ajout d’Alice")
    third.get_by_role("button", name="Monter").click()
    expect(texts(a, row).nth(count - 2)).to_have_text("Troisième ajout d’Alice")
    started = time.monotonic()
    expect(order.nth(count - 2)).to_have_text("Troisième ajout d’Alice", timeout=LIVE)
    delays["move"] = time.monotonic() - started
    expect(order.nth(count - 1)).to_have_text("Deuxième ajout d’Alice")

    # A deletion: Bruno deletes Alice's second statement.
    second = b.locator(f"#list-irritants-{row.pk} > li", has_text="Deuxième ajout d’Alice")
    second.get_by_role("button", name="Supprimer").click()
    expect(b.get_by_role("button", name="Annuler la suppression")).to_be_visible()
    started = time.monotonic()
    expect(a.get_by_text("Deuxième ajout d’Alice", exact=True)).to_have_count(0, timeout=LIVE)
    delays["deletion"] = time.monotonic() - started
    # Alice's own polls do not take back Bruno's undo button.
    b.wait_for_timeout(2500)
    expect(b.get_by_role("button", name="Annuler la suppression")).to_be_visible()

    # A new row and a moved row, in another stage.
    show_stage(a, "projections")
    show_stage(b, "projections")
    rows_b = b.locator("#stage-projections tbody tr[id^=row-]")
    before = rows_b.count()
    a.locator("#add-row-projections").click()
    expect(rows_b).to_have_count(before + 1, timeout=LIVE)
    new_row = a.locator("#stage-projections tbody tr[id^=row-]").last
    new_id = new_row.get_attribute("id")
    a.locator(f"#{new_id}-up").click()
    expect(rows_b.nth(before - 1)).to_have_id(new_id, timeout=LIVE)

    for page in (a, b):
        assert page.evaluate("() => window.neverReloaded === true")
    print(f"\nDelays before the other page showed the change (s): {delays}")
    assert all(delay < LIVE / 1000 for delay in delays.values())


def test_a_reader_follows_the_board_and_sees_who_edits_it(
    open_board, facilitator, referent, synthesis, section
):
    # A draft: its readers follow it as it is written (a published synthesis is read, by
    # those who do not manage it, as last published: not on the board).
    Synthesis.objects.filter(pk=synthesis.pk).update(status=Synthesis.Status.DRAFT)
    alice = named(facilitator, "Alice", "Durand")
    row = DiagnosticRow.objects.filter(section=section).order_by("position").first()
    a = open_board(alice, 1280, 800)
    reader = open_board(referent, 1280, 800)
    expect(reader.locator("#board-presence")).to_contain_text("Alice Durand", timeout=LIVE)
    field = a.locator(f"#new-irritants-{row.pk}")
    field.fill("Vu par le référent")
    field.press("Enter")
    expect(reader.get_by_text("Vu par le référent", exact=True)).to_be_visible(timeout=LIVE)
    # Read only, still: no edit control came with the update.
    expect(reader.get_by_role("button", name="Modifier")).to_have_count(0)
    expect(reader.locator("#board [hx-post]")).to_have_count(0)


def test_an_idle_board_asks_every_two_seconds_and_less_when_hidden(
    open_board, facilitator, section
):
    """The cost of an idle board (see also `manage.py bench_live`): 30 requests a minute,
    answered with nothing (204); 6 a minute while the tab is hidden; none for the page's own
    changes, whose answer brings the new marker."""
    page = open_board(facilitator, 1280, 800)
    polls = []
    page.on(
        "response",
        lambda response: (
            polls.append((time.monotonic(), response.status))
            if "/changements/" in response.url
            else None
        ),
    )
    page.wait_for_timeout(10_000)
    visible = [status for _, status in polls]
    print(f"\nPolls in 10 s, visible: {visible}")
    assert 4 <= len(visible) <= 6
    assert set(visible) == {204}

    # Our own change: the answer carries the new marker, the next polls stay empty.
    row = DiagnosticRow.objects.filter(section=section).order_by("position").first()
    field = page.locator(f"#new-irritants-{row.pk}")
    field.fill("Ajouté ici")
    field.press("Enter")
    expect(page.get_by_text("Ajouté ici", exact=True)).to_be_visible()
    polls.clear()
    page.wait_for_timeout(4_500)
    assert polls and {status for _, status in polls} == {204}, polls

    # Hidden (another tab in front): one request every 10 s.
    page.evaluate(
        """() => {
            Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    polls.clear()
    page.wait_for_timeout(12_000)
    print(f"Polls in 12 s, hidden: {[status for _, status in polls]}")
    assert 1 <= len(polls) <= 2
    # Back in front: asks at once.
    page.evaluate(
        """() => {
            Object.defineProperty(document, "hidden", {configurable: true, get: () => false});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    polls.clear()
    page.wait_for_timeout(500)
    assert len(polls) == 1
