"""What every test shares: the settings the tests run with, the shipped data, and the roles.

Role fixtures name users; the same name with `_client` is a test client of its own, logged
in as that user:

- `facilitator`: a DANE facilitator of the region of `synthesis`, who edits it;
- `referent`: a departmental referent of that region, who reads it (drafts included) and
  edits nothing (of the synthesis's department for an annex);
- `admin_user`: the administrator (superuser) « admin ».

Every user has the password `factories.PASSWORD`. `synthesis` is a new draft regional
synthesis unless a test package or module says which synthesis its tests work on (the board
tests: their section's; tests/syntheses/: the shipped Vendée annex).

The tests run in parallel (pytest-xdist, `make test`): each test process has its own test
database (pytest-django) and its own cache folder, below.
"""

import shutil
import tempfile

import pytest
from django.test import override_settings

from tests import factories, shipped_data
from workshops.fixtures import DEMO_FIXTURE, DEMO_SLUGS, REFERENCE_FIXTURE
from workshops.models import Synthesis

REGIONAL, VENDEE = DEMO_SLUGS

# The tests run the production settings (DEBUG off) as `make serve` tries them: over plain
# http (HTTPS=0), and with the static files served from the source folders, no collectstatic.
# tests/platform/test_security.py turns HTTPS back on where it checks it.
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
    # The file cache of the settings (var/cache) would be shared by the test processes, and
    # with a running server: each test process gets a folder of its own, removed at the end.
    config._cache_folder = tempfile.mkdtemp(prefix="etatsgeneraux-tests-cache-")
    cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": config._cache_folder,
    }
    override_settings(**PLAIN_HTTP_WITHOUT_COLLECTSTATIC, CACHES={"default": cache}).enable()


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_cache_folder", ""), ignore_errors=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Passwords need no strength in tests; PBKDF2 would cost 0.2 s per user created."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fresh_cache(settings):
    """An empty cache of the test's own, in memory: PDFs are cached by content, so that every
    PDF a test asks for is rendered. Modules use it with pytest.mark.usefixtures."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fresh"}
    }
    from django.core.cache import cache

    cache.clear()


# The shipped data ---------------------------------------------------------------------------


@pytest.fixture
def reference_data(db):
    """Regions, departments, thematics and participant categories (fixtures/reference.json)."""
    shipped_data.load(REFERENCE_FIXTURE)


@pytest.fixture
def demo_data(reference_data):
    """The real Pays de la Loire synthesis and its Vendée annex, as shipped."""
    shipped_data.load(DEMO_FIXTURE)


@pytest.fixture
def regional(demo_data):
    """The shipped regional synthesis, Pays de la Loire 2020."""
    return Synthesis.objects.select_related("region").get(slug=REGIONAL)


@pytest.fixture
def vendee(demo_data):
    """The shipped Vendée annex of the regional synthesis."""
    return Synthesis.objects.get(slug=VENDEE)


# Roles --------------------------------------------------------------------------------------


@pytest.fixture
def synthesis(db):
    """The synthesis whose facilitator and referent the role fixtures are."""
    return factories.SynthesisFactory(status=Synthesis.Status.DRAFT)


@pytest.fixture
def facilitator(synthesis):
    return factories.facilitator_of(synthesis)


@pytest.fixture
def referent(synthesis):
    return factories.referent_of(synthesis)


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's own, with the password of every test user."""
    return django_user_model.objects.create_superuser(
        "admin", "admin@example.org", factories.PASSWORD
    )


@pytest.fixture
def facilitator_client(facilitator):
    return factories.logged_in(facilitator)


@pytest.fixture
def referent_client(referent):
    return factories.logged_in(referent)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's own, but a client of its own rather than the `client` fixture."""
    return factories.logged_in(admin_user)


@pytest.fixture
def immediate_jobs(settings):
    """Background jobs run in the test's process (django-tasks' immediate backend). A job is
    enqueued when its transaction commits: wrap the request that starts it in
    `django_capture_on_commit_callbacks(execute=True)` for it to run."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "pdf"],
        }
    }
