"""What every browser test does in a page: log in through the login form."""

import re

from playwright.sync_api import expect

from tests import factories


def log_in(page, user):
    """Logs `user` in through the login page, as a person would; waits for « Mes synthèses »."""
    page.goto("/comptes/connexion/")
    page.get_by_label(re.compile("Identifiant|Nom d.utilisateur")).fill(user.username)
    page.get_by_role("textbox", name=re.compile("^Mot de passe")).fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile("Se connecter")).click()
    expect(page.get_by_role("heading", name="Mes synthèses")).to_be_visible()
