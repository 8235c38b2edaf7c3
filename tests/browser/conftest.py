"""Debian's Chromium, driven by Playwright, against the live server holding the shipped data."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from workshops.fixtures import DEMO_FIXTURE, DEMO_SLUGS, REFERENCE_FIXTURE
from workshops.models import Synthesis

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; no browser is ever downloaded."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium absent ({CHROMIUM}) : apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the main thread, where tests also use
    # the ORM; Django would refuse that without this switch.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_demo(transactional_db, live_server):
    """The live server, holding the real Pays de la Loire data."""
    call_command("loaddata", REFERENCE_FIXTURE, DEMO_FIXTURE, verbosity=0)
    return live_server


@pytest.fixture
def synthesis(live_demo):
    """The shipped Vendée annex: the facilitator is one of Pays de la Loire, the referent one
    of the Vendée (tests/conftest.py)."""
    return Synthesis.objects.get(slug=DEMO_SLUGS[1])


@pytest.fixture
def page(browser, live_demo):
    context = browser.new_context(base_url=live_demo.url, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
