"""The introduction form in Chromium: « Ajouter une personne » as many times as needed, by
mouse or keyboard, and Enter in a field still saves (issue 15, defect 9)."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import log_in
from workshops.models import Facilitator, Session

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

INTRODUCTION = "/syntheses/pays-de-la-loire-2020/introduction/"


def test_add_two_people_then_enter_saves_them_both(page, facilitator):
    session = Session.objects.filter(synthesis__slug="pays-de-la-loire-2020").order_by("position")[
        0
    ]
    before = Facilitator.objects.filter(session=session).count()
    log_in(page, facilitator)
    page.goto(INTRODUCTION)
    prefix = f"session-{session.pk}-animateurs"
    add = page.locator(f'button[name="ajouter-animateur"][value="{prefix}"]')
    # The page's blank form, then one more: the focus goes to the new one's name.
    page.locator(f"#id_{prefix}-{before}-name").fill("Yves Durand")
    add.click()
    new_name = page.locator(f"#id_{prefix}-{before + 1}-name")
    expect(new_name).to_be_focused()
    expect(page.locator(f"#id_{prefix}-{before}-name")).to_have_value("Yves Durand")
    page.keyboard.type("Zoé Leroy")
    # By keyboard too: the button is reached and pressed like any other.
    add.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#id_{prefix}-{before + 2}-name")).to_be_focused()
    assert Facilitator.objects.filter(session=session).count() == before  # nothing saved yet
    # Enter in a field saves the whole introduction.
    page.locator(f"#id_{prefix}-{before + 1}-role").fill("ERUN")
    page.locator(f"#id_{prefix}-{before + 1}-role").press("Enter")
    expect(page.get_by_text("L’introduction est enregistrée.")).to_be_visible()
    names = list(
        Facilitator.objects.filter(session=session).order_by("position").values_list("name", "role")
    )
    assert names[before:] == [("Yves Durand", ""), ("Zoé Leroy", "ERUN")]
