"""End to end, in Chromium: the national team searches « maintenance du matériel », finds the
Pays de la Loire irritants that say it in other words, ties two of them to a national proposal
and reads the proposal's page."""

import re

import pytest
from playwright.sync_api import expect

from actionplans.models import NationalProposal, StatementTag
from etatsgeneraux.national import index
from tests import factories
from tests.browser.pages import log_in
from workshops.models import Membership, Thematic

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_national_team_searches_and_ties_statements_to_a_proposal(page, live_demo):
    index.rebuild()
    user = factories.UserFactory(username="nationale")
    Membership.objects.create(user=user, role=Membership.Role.NATIONAL)
    NationalProposal.objects.create(
        number=12, thematic=Thematic.objects.get(number=1), title="Assurer la maintenance"
    )
    log_in(page, user)
    page.get_by_role("link", name="Vue nationale", exact=True).click()
    page.get_by_role("link", name="Rechercher").click()
    page.get_by_label("Mots recherchés").fill("maintenance du matériel")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    results = page.locator(".national-result")
    expect(results.filter(has_text="Matériel défaillant")).to_have_count(1)  # other words
    expect(results.filter(has_text="Maintenance du matériel emprunté")).to_have_count(1)
    for text in ("Matériel défaillant", "Maintenance du matériel emprunté"):
        results.filter(has_text=text).get_by_role("checkbox").check()
    choice = page.get_by_label("Proposition nationale", exact=True)
    choice.select_option(label="12. Assurer la maintenance")
    page.get_by_role("button", name="Rattacher").click()
    expect(page.get_by_text("2\u00a0énoncé(s) rattaché(s) à la proposition 12")).to_be_visible()
    assert StatementTag.objects.count() == 2
    page.get_by_role("link", name="Propositions nationales").click()
    page.get_by_role("link", name="Assurer la maintenance").click()
    expect(page.get_by_role("heading", name=re.compile("Pays de la Loire \\(2"))).to_be_visible()
    expect(page.get_by_text("Maintenance du matériel emprunté")).to_be_visible()
