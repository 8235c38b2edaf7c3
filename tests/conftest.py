import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from workshops.fixtures import DEMO_FIXTURE, REFERENCE_FIXTURE

CHROMIUM = Path("/usr/bin/chromium")

# The tests run the production settings (DEBUG off) as `make serve` tries them: over plain
# http (HTTPS=0), and with the static files served from the source folders, no collectstatic.
# tests/test_security.py turns HTTPS back on where it checks it.
PLAIN_HTTP_WITHOUT_COLLECTSTATIC = {
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_HSTS_SECONDS": 0,
    "TRUSTED_PROXIES": 0,
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    "WHITENOISE_AUTOREFRESH": True,
    "WHITENOISE_USE_FINDERS": True,
}


def pytest_configure(config):
    # Before any test, hence before the live server (session-wide) reads these settings.
    override_settings(**PLAIN_HTTP_WITHOUT_COLLECTSTATIC).enable()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Passwords need no strength in tests; PBKDF2 would cost 0.2 s per user created."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference_data(db):
    call_command("loaddata", REFERENCE_FIXTURE, verbosity=0)


@pytest.fixture
def demo_data(reference_data):
    """The real Pays de la Loire synthesis and its Vendée annex, as shipped."""
    call_command("loaddata", DEMO_FIXTURE, verbosity=0)


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "x" * 12)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# Browser tests ------------------------------------------------------------------------------


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
def page(browser, live_demo):
    context = browser.new_context(base_url=live_demo.url, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
