"""What browser tests do in a page: log in through the login form, download a PDF that a
background job renders."""

import re

from django.core.management import call_command
from playwright.sync_api import expect

from tests import factories


def log_in(page, user):
    """Logs `user` in through the login page, as a person would; waits for « Mes synthèses »."""
    page.goto("/comptes/connexion/")
    page.get_by_label(re.compile("Identifiant|Nom d.utilisateur")).fill(user.username)
    page.get_by_role("textbox", name=re.compile("^Mot de passe")).fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile("Se connecter")).click()
    expect(page.get_by_role("heading", name="Mes synthèses")).to_be_visible()


def download_rendered_in_the_background(page, link):
    """Clicks a PDF link that leads to the progress page of its render (a cold PDF right
    after a change), does the worker's part (one batch of the `pdf` queue, in this process,
    on the live server's database), and returns the download the page then hands over."""
    with page.expect_download(timeout=60_000) as download:
        link.click(no_wait_after=True)
        expect(page.get_by_role("heading", name=re.compile("Préparation du PDF"))).to_be_visible()
        call_command("db_worker", "--batch", "--queue-name", "pdf", "--no-startup-delay")
    return download.value
